package boltstore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// residentShare is the share of the file at path's pages in the page cache (mincore over a
// mapping of its own).
func residentShare(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	info, err := f.Stat()
	require.NoError(t, err)
	m, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	require.NoError(t, err)
	defer unix.Munmap(m)
	page := os.Getpagesize()
	vec := make([]byte, (len(m)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(m))), uintptr(len(m)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	require.Zero(t, errno, "mincore: %v", errno)
	in := 0
	for _, v := range vec {
		in += int(v & 1)
	}
	return float64(in) / float64(len(vec))
}

// dropCached asks the kernel to drop the file's pages from the page cache, and skips the test where
// it keeps them (a tmpfs, say).
func dropCached(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Sync())
	require.NoError(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
	if share := residentShare(t, path); share > 0.2 {
		t.Skipf("the file system keeps %.0f%% of the file cached after POSIX_FADV_DONTNEED: cannot see a prefetch", 100*share)
	}
}

// A read of the log from its start has the file read into the page cache ahead of it, in the
// background; a read from further on, or of a short log, does not.
func TestReadFromTheStartPrefetchesTheFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	body := `{"note":"` + strings.Repeat("x", 2000) + `"}`
	for i := range 20 {
		evs := make([]eventstore.Event, 100)
		for j := range evs {
			evs[j] = newEvent("E", body)
		}
		_, err := s.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.NoStream, evs...)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	readOne := func(s *boltstore.Store, after eventstore.Position) {
		t.Helper()
		n, err := s.LendAll(ctx, after, 1, func([]eventstore.RecordedEvent) error { return nil })
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}

	tests := []struct {
		name      string
		minEvents uint64
		after     eventstore.Position
		prefetch  bool
	}{
		{"from the start of a long log", 1000, 0, true},
		{"from further on", 1000, 10, false},
		{"from the start of a short log", 5000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			boltstore.SetPrefetchMinEvents(t, tt.minEvents)
			dropCached(t, path)
			s, err := boltstore.Open(path, boltstore.Options{})
			require.NoError(t, err)
			defer s.Close()
			readOne(s, tt.after)
			if !tt.prefetch {
				require.Zero(t, s.Prefetches())
				require.Less(t, residentShare(t, path), 0.5, "one record read, nothing prefetched")
				return
			}
			require.Equal(t, uint64(1), s.Prefetches())
			// The kernel's reads are asynchronous: the pages arrive shortly after they are asked for.
			require.Eventually(t, func() bool { return residentShare(t, path) > 0.9 }, 10*time.Second, 10*time.Millisecond,
				"resident after the prefetch: %.2f", residentShare(t, path))
		})
	}
}
