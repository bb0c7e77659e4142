package projections

import "context"

// A request waits for the projections' read lock only as long as it may run. sync.RWMutex makes a
// reader wait behind a writer that waits: while one long reader (a report refolding streams as of
// a position, under load) holds the lock, the applier waits for it and every reader after it waits
// for both, whatever its deadline. A GET of a plan was answered 503 "context deadline exceeded"
// 116 s after it arrived, its 20 s timeout long past, because nothing it waited on knew of it.

// rlock takes p.mu for reading, or gives up with ctx's error when ctx ends first. Given up, the
// lock is still taken once it frees and let go at once, by a goroutine of its own.
func (p *Projector) rlock(ctx context.Context) error {
	if p.mu.TryRLock() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	got := make(chan struct{})
	go func() {
		p.mu.RLock()
		close(got)
	}()
	select {
	case <-got:
		return nil
	case <-ctx.Done():
		go func() {
			<-got
			p.mu.RUnlock()
		}()
		return ctx.Err()
	}
}
