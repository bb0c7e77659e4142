package boltstore

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A read of the whole log (the projections' catch-up from the start) goes through the memory map,
// where a page that is not in the page cache is read from disk by a fault: one small read at a
// time, about 50 MB/s on the development VM against 600 MB/s read in sequence, so that a quarter of
// the 1.8 GB file of a million events out of the cache made a 2.3 s replay take 11.5 s. The log is
// appended and bbolt writes each full leaf once, so the file holds the log roughly in order: the
// store asks the kernel to read in, in the background and in file order, the parts of the file
// that are not in the page cache, ahead of the scan. One mincore call says which those are: a file
// all cached costs no more than that.

// prefetchChunk is what one posix_fadvise(WILLNEED) asks for: Linux reads at most the device's
// readahead size (8 MiB on the VM) per call, whatever the length given.
const prefetchChunk = 8 << 20

// prefetch has the kernel read the chunks of the store file with pages missing from the page cache
// in the background, unless a prefetch is running already. It is only a hint: a failure leaves the
// scan to read by faults as before.
func (s *Store) prefetch() {
	// Under backgroundMu, as Close sees that the store is closing: a prefetch is either counted
	// before Close waits for the background, or not started.
	s.backgroundMu.Lock()
	defer s.backgroundMu.Unlock()
	if s.closed() || !s.prefetching.CompareAndSwap(false, true) {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer s.prefetching.Store(false)
		if n, err := prefetchMissing(s.path, s.closed); err == nil {
			s.prefetchedChunks.Add(n)
			s.prefetches.Add(1)
		}
	}()
}

// prefetchMissing asks for every chunk of the file at path with a page not in the page cache, until
// stop says to stop, and returns how many it asked for.
func prefetchMissing(path string, stop func() bool) (chunks uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return 0, err
	}
	// A mapping of its own, never read: mincore says which of its pages the page cache holds.
	m, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	resident := make([]byte, (len(m)+page-1)/page)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(m))), uintptr(len(m)),
		uintptr(unsafe.Pointer(unsafe.SliceData(resident)))); errno != 0 {
		return 0, errno
	}
	for _, first := range missingChunks(resident, prefetchChunk/page) {
		if stop() {
			break
		}
		if err := unix.Fadvise(int(f.Fd()), int64(first*page), prefetchChunk, unix.FADV_WILLNEED); err != nil {
			return chunks, err
		}
		chunks++
	}
	return chunks, nil
}

// missingChunks is the first page of every chunk of perChunk pages with a page not resident, as
// mincore reports residency (the low bit of each page's byte).
func missingChunks(resident []byte, perChunk int) []int {
	var out []int
	for first := 0; first < len(resident); first += perChunk {
		if !allResident(resident[first:min(first+perChunk, len(resident))]) {
			out = append(out, first)
		}
	}
	return out
}

func allResident(pages []byte) bool {
	for _, p := range pages {
		if p&1 == 0 {
			return false
		}
	}
	return true
}
