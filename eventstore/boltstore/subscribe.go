package boltstore

import (
	"context"
	"iter"

	"assurance-ledger/eventstore"
)

// subscribePage is how many events a subscription reads per transaction while catching up: large
// enough to amortise the transaction, small enough that a reader far behind never holds one long
// (a long read transaction stalls commits that grow the file).
const subscribePage = 512

// Subscribe implements eventstore.Store. Besides ctx's error it ends with eventstore.ErrClosed when
// the store closes, and with the error of a read that failed (an *eventstore.CorruptError, say).
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for {
			// Taken before the read: a commit landing between the read and the wait closes this
			// very channel, so it cannot be missed.
			wake := s.commitSignal()
			page, err := s.readAll(ctx, after, subscribePage)
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Position
			}
			if err != nil {
				yield(eventstore.RecordedEvent{}, err)
				return
			}
			if len(page) == subscribePage {
				continue
			}
			select {
			case <-wake:
			case <-ctx.Done():
			case <-s.closing:
			}
		}
	}
}

// commitSignal returns a channel that is closed at the next commit that writes events.
func (s *Store) commitSignal() <-chan struct{} {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.committed
}

func (s *Store) notifyCommit() {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	close(s.committed)
	s.committed = make(chan struct{})
}
