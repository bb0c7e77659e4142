package eventstore

import "context"

// Lender is a Store that can lend an event's stored bytes instead of copying them out, for a reader
// that decodes an event and keeps nothing of its bytes: the embedded store maps its file, and a
// copy of each event read was most of what answering GET /v1/plans/{id} allocated, and a third of
// what a replay allocated. A store without it is read with ReadStream and ReadAll.
type Lender interface {
	// LendStreamEvent calls fn with the event of stream at revision, and reports whether there is
	// one (fn is not called if there is not). The event's Data and Metadata are the store's own
	// memory, valid only until fn returns: fn must not keep or change them, nor anything that
	// shares their memory. fn runs while the store holds a read snapshot, which some stores let
	// writers wait on, so it must be quick, do no I/O and not read the store again (a second read
	// may wait behind a writer that waits for this one). Reading lent bytes may fault where the
	// store's file is damaged; the store reports a fault on fn's own goroutine as ErrCorrupt, and a
	// reader that hands lent bytes to other goroutines must do the same on them. fn's error is
	// returned as it is.
	LendStreamEvent(ctx context.Context, stream string, revision uint64, fn func(RecordedEvent) error) (found bool, err error)

	// LendAll calls fn with the events ReadAll(ctx, after, limit) would return, unless there are
	// none, and returns how many there were. The events' Data and Metadata are lent as by
	// LendStreamEvent, and so is the slice itself, which the store may reuse for its next call:
	// both are valid only until fn returns. What fn copies out of an event (its position, id,
	// stream, type and the rest) is its own to keep. fn may take longer than LendStreamEvent's
	// (decoding a batch on every core, through Spread) but must do no I/O. fn's error is returned
	// as it is.
	LendAll(ctx context.Context, after Position, limit int, fn func([]RecordedEvent) error) (n int, err error)

	// Spread calls work(i) for every i in [0, len(recs)) on up to workers goroutines and returns
	// once every call has returned, for fn of LendAll to read the records it was lent on every core.
	// A fault reading lent bytes on any of them is the store's to handle: Spread returns it as
	// ErrCorrupt naming the record's position, so that no caller handles the store's faults. Call
	// it only inside fn, with the records fn was given.
	Spread(recs []RecordedEvent, workers int, work func(i int)) error
}
