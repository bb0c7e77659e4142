// Package demotest gives tests a store holding the demo data set. Recording the demo through the
// command handler (every event decided, sealed and appended) is the slowest part of many tests, and
// most slower still under the race detector; here it is recorded once per test binary and scale,
// and each test gets a copy of the file of its own.
package demotest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore/boltstore"
)

var (
	mu        sync.Mutex
	templates = map[int]string{} // scale -> a store file holding the demo at that scale
)

// Store returns an open embedded store holding the demo at scale (0: the demo round itself), in
// the test's temporary directory, closed when the test ends. fsync is off: tests of durability
// open stores of their own.
func Store(t testing.TB, scale int) *boltstore.Store {
	t.Helper()
	path := Path(t, scale)
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatalf("demotest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Fresh returns a store holding the demo at scale recorded afresh: another log than Store's, with
// the same story but events of their own ids, for a test that needs two ledgers to differ.
func Fresh(t testing.TB, scale int) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "fresh.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatalf("demotest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := demo.Seed(context.Background(), s, demo.Options{Scale: scale}); err != nil {
		t.Fatalf("demotest: recording the demo: %v", err)
	}
	return s
}

// Path copies the demo's store file at scale into the test's temporary directory and returns its
// path, for a test that opens it itself (or hands it to a process).
func Path(t testing.TB, scale int) string {
	t.Helper()
	src, err := template(scale)
	if err != nil {
		t.Fatalf("demotest: recording the demo at scale %d: %v", scale, err)
	}
	dst := filepath.Join(t.TempDir(), "ledger.db")
	if err := copyFile(src, dst); err != nil {
		t.Fatalf("demotest: %v", err)
	}
	return dst
}

// template records the demo at scale into a file of its own the first time it is asked for. The
// files are left in the system's temporary directory under a name unique to the process, and
// removed by Cleanup.
func template(scale int) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := templates[scale]; ok {
		return p, nil
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("demotest-%d-*", os.Getpid()))
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	if _, err := demo.Seed(context.Background(), s, demo.Options{Scale: scale}); err != nil {
		s.Close()
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	templates[scale] = path
	return path, nil
}

// Cleanup removes the recorded demos; a TestMain calls it after the tests have run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for scale, p := range templates {
		_ = os.RemoveAll(filepath.Dir(p))
		delete(templates, scale)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
