// Package demotest gives tests a store holding the demo data set. Recording the demo through the
// command handler (every event decided, sealed and appended) is the slowest part of many tests, and
// most slower still under the race detector; here it is recorded once per scale for every test
// binary built from the same source (a file in the system's temporary directory named by a hash of
// the module's code), and each test gets a copy of the file of its own.
package demotest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
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

// template records the demo at scale the first time this process asks for it, or finds it
// recorded by an earlier test binary built from the same code; tests that ask for other scales at
// the same time record them side by side.
func template(scale int) (string, error) {
	if scale == 1 {
		scale = 0 // the same data set (demo.Options): recorded once
	}
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

// cacheAge is how long a recording no test binary has used is kept: recordings of code since
// changed would otherwise pile up.
const cacheAge = 24 * time.Hour

func record(scale int) (string, error) {
	key, err := sourceKey()
	if err != nil { // the source is not where it was built (a copied test binary): record for this process only
		return recordPrivate(scale)
	}
	dir := filepath.Join(os.TempDir(), "assurance-ledger-demotest")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-scale-%d.db", key, scale))
	// Test binaries started together would each record the demo: one records it while the others
	// wait for its file.
	unlock, err := lock(path + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		_ = os.Chtimes(path, now, now) // in use: not pruned
		return path, nil
	}
	prune(dir)
	// Recorded under a name of its own and renamed: a test binary running beside this one sees the
	// whole file or none.
	tmp, err := os.CreateTemp(dir, fmt.Sprintf("recording-%d-*.db", os.Getpid()))
	if err != nil {
		return "", err
	}
	tmp.Close()
	if err := seed(tmp.Name(), scale); err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	return path, nil
}

// staleLock is how old a lock file must be to be taken for one a killed test binary left.
const staleLock = 5 * time.Minute

// lock takes the lock file name, waiting while another test binary holds it: a file created
// exclusively, which works wherever the tests run.
func lock(name string) (unlock func(), err error) {
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { _ = os.Remove(name) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, err := os.Stat(name); err == nil && time.Since(info.ModTime()) > staleLock {
			_ = os.Remove(name)
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// prune removes recordings nobody has used for cacheAge.
func prune(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > cacheAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

var (
	keyOnce sync.Once
	key     string
	keyErr  error
)

// sourceKey names the code a recording was made by: a hash of the Go version and of every file of
// the module but tests and test data. Any change to the code records the demo again.
func sourceKey() (string, error) {
	keyOnce.Do(func() {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			keyErr = errors.New("demotest: no source path")
			return
		}
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			keyErr = err
			return
		}
		h := sha256.New()
		io.WriteString(h, runtime.Version())
		keyErr = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if !(strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")) && name != "go.mod" && name != "go.sum" {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			fmt.Fprintf(h, "%s %d\n", rel, len(b))
			h.Write(b)
			return nil
		})
		key = hex.EncodeToString(h.Sum(nil))[:24]
	})
	return key, keyErr
}

// recordPrivate records the demo into a file of this process's own, removed by Cleanup.
func recordPrivate(scale int) (string, error) {
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

// Cleanup removes the recordings made for this process only; a TestMain calls it after the tests
// have run. Recordings shared between test binaries stay for the next run of the same code.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	shared := filepath.Join(os.TempDir(), "assurance-ledger-demotest")
	for scale, r := range templates {
		if r.path != "" && filepath.Dir(r.path) != shared {
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

// AppendRecorded appends events, read from another store (the demo's log, cut or altered), to s in
// their order as they were recorded (ids, types and stored bytes), in one transaction: an append
// each would commit once per event.
func AppendRecorded(t testing.TB, s *boltstore.Store, events []eventstore.RecordedEvent) {
	t.Helper()
	var parts []boltstore.Part
	for _, rec := range events {
		e := eventstore.Event{ID: rec.ID, Type: rec.Type, Data: rec.Data, Metadata: rec.Metadata}
		if n := len(parts); n > 0 && parts[n-1].Stream == rec.Stream {
			parts[n-1].Events = append(parts[n-1].Events, e)
			continue
		}
		parts = append(parts, boltstore.Part{Stream: rec.Stream, Expected: eventstore.Any, Events: []eventstore.Event{e}})
	}
	if _, err := s.AppendSequence(context.Background(), parts); err != nil {
		t.Fatalf("demotest: appending recorded events: %v", err)
	}
}
