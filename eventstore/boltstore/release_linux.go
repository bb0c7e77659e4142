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
	// Safe by bbolt's invariants (checked in v1.5.0's db.go and tx.go; re-check on upgrade): a read
	// transaction holds mmaplock.RLock from begin to end and a remap needs mmaplock.Lock, so the
	// mapping cannot be replaced while it is advised; tx.Size() is meta.pgid x page size, and
	// allocate remaps to at least (pgid+count+1) pages before raising pgid, so the range lies inside
	// the mapping, never on memory after it. Opened with Options.Mlock (this store never is),
	// MADV_DONTNEED would fail with EINVAL.
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
