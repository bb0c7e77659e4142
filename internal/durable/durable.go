// Package durable holds what makes a change to a directory survive a crash: a file written,
// synced and then renamed or linked into place is only there for good once its directory is synced
// too, and so is a directory once its parent is.
package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// SyncDir syncs dir, so that a rename or link into it made before is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// MkdirAll creates dir and any parent of it that is missing, as os.MkdirAll does, and syncs the
// parent of each directory it creates: os.MkdirAll's directories, and everything later made in
// them, can vanish in a power cut however carefully the files in them are synced.
func MkdirAll(dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		// Made meanwhile by another process, which may not have synced it yet: sync it here too.
		if st, serr := os.Stat(dir); !errors.Is(err, fs.ErrExist) || serr != nil || !st.IsDir() {
			return err
		}
	}
	return SyncDir(parent)
}

// WriteFile writes data to path whole or not at all, as far as a crash or a power cut can tell:
// into a temporary file beside it, synced, renamed over path, and the directory synced. What path
// held before stays there, whole, until the new content is.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	err = tmp.Chmod(perm)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}
