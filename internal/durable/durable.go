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
