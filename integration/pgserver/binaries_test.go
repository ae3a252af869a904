package pgserver

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func fakeBin(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func noPath(string) (string, error) { return "", exec.ErrNotFound }

func TestFindBinariesPrefersHighestDebianVersion(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "16", "13"} {
		fakeBin(t, filepath.Join(root, v, "bin"))
	}
	if err := os.MkdirAll(filepath.Join(root, "17", "bin"), 0o755); err != nil { // client only
		t.Fatal(err)
	}
	got, err := findBinaries(search{lookPath: noPath, debianGlob: filepath.Join(root, "*", "bin")})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "16", "bin"); got != want {
		t.Fatalf("found %s, want %s", got, want)
	}
}

func TestFindBinariesOrder(t *testing.T) {
	root := t.TempDir()
	pgBin, onPath, debian := filepath.Join(root, "pgbin"), filepath.Join(root, "path"), filepath.Join(root, "deb", "15", "bin")
	for _, d := range []string{pgBin, onPath, debian} {
		fakeBin(t, d)
	}
	lookPath := func(string) (string, error) { return filepath.Join(onPath, "initdb"), nil }
	glob := filepath.Join(root, "deb", "*", "bin")
	cases := []struct {
		s    search
		want string
	}{
		{search{pgBin: pgBin, lookPath: lookPath, debianGlob: glob}, pgBin},
		{search{lookPath: lookPath, debianGlob: glob}, onPath},
		{search{lookPath: noPath, debianGlob: glob}, debian},
	}
	for _, c := range cases {
		if got, err := findBinaries(c.s); err != nil || got != c.want {
			t.Errorf("findBinaries(%+v) = %s, %v; want %s", c.s, got, err, c.want)
		}
	}
	// A PG_BIN that is wrong is an error, although PATH and the Debian
	// directory have binaries.
	for _, bad := range []string{filepath.Join(root, "missing"), filepath.Join(onPath, "initdb"), root} {
		if _, err := findBinaries(search{pgBin: bad, lookPath: lookPath, debianGlob: glob}); !errors.Is(err, ErrBadPGBin) {
			t.Errorf("PG_BIN=%s: %v, want ErrBadPGBin", bad, err)
		}
	}
	if _, err := findBinaries(search{lookPath: noPath, debianGlob: filepath.Join(root, "none", "*")}); !errors.Is(err, errNoBinaries) {
		t.Errorf("no binaries anywhere: %v, want errNoBinaries", err)
	}
}
