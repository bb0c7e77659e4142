package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"assurance-ledger/internal/durable"
)

// checkDataDir makes sure the data directory exists and that this process can create files in it,
// so that a missing, read-only or foreign-owned directory stops serve at once with one line saying
// what to fix, rather than at whichever key or store file it first fails to create. A directory it
// creates is synced into its parent: a power cut must not take it away with all it will hold.
func checkDataDir(dir string) error {
	if err := refuseMirror(dir); err != nil {
		return err
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s cannot be created (%v): create it, writable by the user running ledger, or choose another --data", dir, pathErr(err))
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable (%v): make it writable by the user running ledger (uid %d), or choose another --data", dir, pathErr(err), os.Getuid())
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

// pathErr drops the path from an *fs.PathError, which the message names already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
