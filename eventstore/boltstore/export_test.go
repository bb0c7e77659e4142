package boltstore

import "sync"

// WithMaxSize caps the store file at n bytes, so that a test can make commits fail as on a full disk.
func WithMaxSize(o Options, n int) Options {
	o.maxSize = n
	return o
}

// FormatVersion is the layout version this build writes.
const FormatVersion = formatVersion

// SetPrefetchMinEvents sets how long a log must be for a read from its start to prefetch the file,
// until the test ends.
func SetPrefetchMinEvents(t interface{ Cleanup(func()) }, n uint64) {
	was := prefetchMinEvents
	prefetchMinEvents = n
	t.Cleanup(func() { prefetchMinEvents = was })
}

// Prefetches waits for a running prefetch to finish and returns how many have, and how many chunks
// of the file they asked the kernel for.
func (s *Store) Prefetches() (prefetches, chunks uint64) {
	s.background.Wait()
	return s.prefetches.Load(), s.prefetchedChunks.Load()
}

// OrderPrefetchAfterClose makes a read that would prefetch wait, inside its read transaction,
// until Close has waited for the prefetches running, until the test ends. The channel is closed
// once a read waits so.
func OrderPrefetchAfterClose(t interface{ Cleanup(func()) }) (reached <-chan struct{}) {
	waited, in := make(chan struct{}), make(chan struct{})
	var once, inOnce sync.Once
	beforePrefetch = func() {
		inOnce.Do(func() { close(in) })
		<-waited
	}
	closeWaited = func() { once.Do(func() { close(waited) }) }
	t.Cleanup(func() { beforePrefetch, closeWaited = func() {}, func() {} })
	return in
}

// PrefetchesStarted is how many prefetches have finished, without waiting for a running one.
func (s *Store) PrefetchesStarted() (running bool, finished uint64) {
	return s.prefetching.Load(), s.prefetches.Load()
}
