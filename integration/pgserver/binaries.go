package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrBadPGBin means PG_BIN is set but does not name a directory holding
// initdb and postgres. Start then fails with it rather than look elsewhere:
// whoever set PG_BIN asked for those binaries, and a server from somewhere
// else would hide the typo.
var ErrBadPGBin = errors.New("pgserver: " + EnvPGBin + " does not name a directory holding initdb and postgres")

// search says where to look for PostgreSQL binaries; tests replace it.
type search struct {
	pgBin      string // PG_BIN
	lookPath   func(string) (string, error)
	debianGlob string // /usr/lib/postgresql/*/bin
}

func defaultSearch() search {
	return search{
		pgBin:      os.Getenv(EnvPGBin),
		lookPath:   exec.LookPath,
		debianGlob: "/usr/lib/postgresql/*/bin",
	}
}

// findBinaries returns a directory holding initdb and postgres. A PG_BIN
// that does not hold them is an error wrapping ErrBadPGBin.
func findBinaries(s search) (string, error) {
	if s.pgBin != "" {
		if err := checkPGBin(s.pgBin); err != nil {
			return "", err
		}
		return s.pgBin, nil
	}
	if p, err := s.lookPath("initdb"); err == nil {
		// Debian links initdb into PATH; postgres lives beside the real file.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServerBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasServerBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob(s.debianGlob)
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w in PATH or %s", errNoBinaries, s.debianGlob)
}

// errNoBinaries means no directory was found holding initdb and postgres.
var errNoBinaries = errors.New("pgserver: no PostgreSQL server binaries")

// checkPGBin says what is wrong with the directory PG_BIN names, if anything.
func checkPGBin(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s=%s does not exist", ErrBadPGBin, EnvPGBin, dir)
	case err != nil:
		return fmt.Errorf("%w: %s=%s: %w", ErrBadPGBin, EnvPGBin, dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s=%s is not a directory", ErrBadPGBin, EnvPGBin, dir)
	case !hasServerBinaries(dir):
		return fmt.Errorf("%w: %s=%s has no executable initdb and postgres", ErrBadPGBin, EnvPGBin, dir)
	}
	return nil
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf reads the version from a path like /usr/lib/postgresql/15/bin.
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return v
		}
		v = append(v, n)
	}
	return v
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}
