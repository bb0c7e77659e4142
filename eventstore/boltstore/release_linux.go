package boltstore

import (
	"fmt"

	"go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// ReleaseMapped unmaps the pages of the store file that the process has read, without closing
// anything: madvise(MADV_DONTNEED) over bbolt's read-only shared mapping. A full read of the log,
// such as the projections' catch-up, leaves every page of the file resident in the process (about
// 1.7 GB at a million events), counted in its RSS although most will not be read again. The pages
// stay in the kernel's page cache; the next read of one maps it again at the cost of a minor fault.
func (s *Store) ReleaseMapped() error {
	// The read transaction holds bbolt's mmap lock, so the mapping cannot be replaced (when a
	// commit grows the file) while it is advised; tx.Size() lies within it.
	err := s.db.View(func(tx *bbolt.Tx) error {
		info := s.db.Info()
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
		if errno != 0 {
			return errno
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: releasing mapped pages of %s: %w", s.path, closedErr(err))
	}
	return nil
}
