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
	templates = map[int]*recording{} // scale -> the demo recorded at that scale
)

// recording is a store file holding the demo, recorded once.
type recording struct {
	once sync.Once
	path string
	err  error
}

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

// template records the demo at scale into a file of its own the first time it is asked for; tests
// that ask for other scales at the same time record them side by side. The files are left in the
// system's temporary directory under a name unique to the process, and removed by Cleanup.
func template(scale int) (string, error) {
	mu.Lock()
	r, ok := templates[scale]
	if !ok {
		r = &recording{}
		templates[scale] = r
	}
	mu.Unlock()
	r.once.Do(func() { r.path, r.err = record(scale) })
	return r.path, r.err
}

func record(scale int) (string, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("demotest-%d-*", os.Getpid()))
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "ledger.db")
	if err := seed(path, scale); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return path, nil
}

func seed(path string, scale int) error {
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		return err
	}
	if _, err := demo.Seed(context.Background(), s, demo.Options{Scale: scale}); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

// Cleanup removes the recorded demos; a TestMain calls it after the tests have run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for scale, r := range templates {
		if r.path != "" {
			_ = os.RemoveAll(filepath.Dir(r.path))
		}
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
