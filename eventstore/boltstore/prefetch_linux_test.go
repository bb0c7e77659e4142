package boltstore_test

import (
	"os"
	"path/filepath"
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

// dropCached asks the kernel to drop the file's pages in [off, off+n) from the page cache (n 0: to
// the end) after reading the whole file in, and skips the test where it keeps them (a tmpfs, say).
func dropCached(t *testing.T, path string, off, n int64) {
	t.Helper()
	_, err := os.ReadFile(path)
	require.NoError(t, err)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Sync())
	require.NoError(t, unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED))
	if off == 0 && n == 0 {
		if share := residentShare(t, path); share > 0.2 {
			t.Skipf("the file system keeps %.0f%% of the file cached after POSIX_FADV_DONTNEED: cannot see a prefetch", 100*share)
		}
	}
}

// A read of the log from its start has the parts of the file missing from the page cache read in
// ahead of it, in the background; a read from further on, or of a short log, does not.
func TestReadFromTheStartPrefetchesWhatIsNotCached(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	appendBulky(t, s, 100)
	require.NoError(t, s.Close())
	info, err := os.Stat(path)
	require.NoError(t, err)
	const chunk = 8 << 20
	chunks := uint64((info.Size() + chunk - 1) / chunk)
	require.GreaterOrEqual(t, chunks, uint64(3), "a file of several chunks")

	tests := []struct {
		name       string
		minEvents  uint64
		after      eventstore.Position
		limit      int
		drop       [2]int64 // offset and length dropped from the cache; 0, 0: all
		prefetches uint64
		chunks     uint64
	}{
		// Which chunks a prefetch asks for, of a file partly cached, is missingChunks's, tested
		// without the kernel: this VM trims its page cache, so a file just read may not stay whole.
		{"from the start of a long log, nothing cached", 1000, 0, 1024, [2]int64{0, 0}, 1, chunks},
		{"a look at the first events of a long log", 1000, 0, 64, [2]int64{0, 0}, 0, 0},
		{"from further on", 1000, 10, 1024, [2]int64{0, 0}, 0, 0},
		{"from the start of a short log", 20000, 0, 1024, [2]int64{0, 0}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			boltstore.SetPrefetchMinEvents(t, tt.minEvents)
			dropCached(t, path, tt.drop[0], tt.drop[1])
			before := residentShare(t, path)
			s, err := boltstore.Open(path, boltstore.Options{})
			require.NoError(t, err)
			defer s.Close()
			n, err := s.LendAll(ctx, tt.after, tt.limit, func([]eventstore.RecordedEvent) error { return nil })
			require.NoError(t, err)
			require.Equal(t, tt.limit, n)
			prefetches, asked := s.Prefetches()
			require.Equal(t, tt.prefetches, prefetches)
			require.Equal(t, tt.chunks, asked, "chunks asked for")
			if tt.chunks == 0 {
				require.InDelta(t, before, residentShare(t, path), 0.1, "nothing asked for, nothing read in")
				return
			}
			// The kernel's reads are asynchronous: the pages arrive shortly after they are asked for.
			require.Eventually(t, func() bool { return residentShare(t, path) > 0.9 }, 10*time.Second, 10*time.Millisecond,
				"resident after the prefetch: %.2f", residentShare(t, path))
		})
	}
}

// A prefetch asks for exactly the chunks with a page the page cache lacks.
func TestMissingChunks(t *testing.T) {
	const in, out = 1, 0
	for _, c := range []struct {
		name     string
		resident []byte
		perChunk int
		want     []int
	}{
		{"all cached", []byte{in, in, in, in, in, in}, 2, nil},
		{"nothing cached", []byte{out, out, out, out, out}, 2, []int{0, 2, 4}},
		{"the second chunk not cached", []byte{in, in, out, in, in, in}, 2, []int{2}},
		{"a short last chunk", []byte{in, in, in, in, out}, 2, []int{4}},
		{"other bits of mincore's byte ignored", []byte{in | 2, 2, in, in}, 2, []int{0}},
		{"an empty file", nil, 2, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, boltstore.MissingChunks(c.resident, c.perChunk))
		})
	}
}

// A read that reaches its prefetch only once Close has waited for the running ones (it was inside
// its read transaction, which Close then waits for) starts none: nothing outlives Close.
func TestNoPrefetchStartsOnceCloseHasWaited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	appendBulky(t, s, 20)
	boltstore.SetPrefetchMinEvents(t, 1)
	reached := boltstore.OrderPrefetchAfterClose(t)
	read := make(chan error)
	go func() {
		_, err := s.ReadAll(t.Context(), 0, 0)
		read <- err
	}()
	<-reached
	require.NoError(t, s.Close())
	require.NoError(t, <-read, "the read began before Close and ends")
	time.Sleep(50 * time.Millisecond) // what a prefetch started by then would take to be seen
	running, finished := s.PrefetchesStarted()
	require.False(t, running, "a prefetch running after Close returned")
	require.Zero(t, finished, "a prefetch started after Close waited")
}
