package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// search says where to look for PostgreSQL binaries; tests replace it.
type search struct {
	pgBin      string // PG_BIN
	lookPath   func(string) (string, error)
	debianGlob string // /usr/lib/postgresql/*/bin
}

func defaultSearch() search {
	return search{
		pgBin:      os.Getenv("PG_BIN"),
		lookPath:   exec.LookPath,
		debianGlob: "/usr/lib/postgresql/*/bin",
	}
}

// findBinaries returns a directory holding initdb and postgres.
func findBinaries(s search) (string, error) {
	if s.pgBin != "" {
		if !hasServerBinaries(s.pgBin) {
			return "", fmt.Errorf("pgtest: PG_BIN=%s has no initdb and postgres", s.pgBin)
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
	return "", errors.New("pgtest: no PostgreSQL server binaries in PG_BIN, PATH or " + s.debianGlob)
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
