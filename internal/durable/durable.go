// Package durable holds what makes a change to a directory survive a crash: a file written,
// synced and then renamed or linked into place is only there for good once its directory is synced
// too.
package durable

import "os"

// SyncDir syncs dir, so that a rename or link into it made before is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
