// Package eventstore defines the port through which the ledger stores events: an append-only log of
// named streams with optimistic concurrency, read forwards per stream or globally, and a catch-up
// subscription to the global log.
//
// The port knows nothing of the domain. Data and metadata are opaque bytes; implementations live in
// sub-packages (boltstore, the embedded default) and every implementation must pass the contract
// suite in storetest.
package eventstore

import (
	"context"
	"iter"
	"time"

	"github.com/google/uuid"
)

// Store is an event store. Implementations are safe for concurrent use.
type Store interface {
	// Append writes events to the end of stream if the stream's current revision satisfies expected,
	// and returns only once they are durable. Either every event is written or none is.
	//
	// Appending events whose ids are already stored, at the same revisions of the same stream, writes
	// nothing and returns the original result: a retried append is idempotent. An id stored anywhere
	// else gives ErrDuplicateEventID, in stores that index ids globally (the embedded store does;
	// EventStoreDB does not, and storetest.GlobalEventIDs marks that). The ledger never reuses ids.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...Event) (AppendResult, error)

	// ReadStream returns up to limit events of stream with revision >= from, oldest first. A stream
	// that does not exist yields no events and no error. limit <= 0 means no limit.
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]RecordedEvent, error)

	// ReadAll returns up to limit events of the global log with position > after, in commit order.
	// after = 0 reads from the beginning. limit <= 0 means no limit.
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)

	// Subscribe yields every event with position > after in commit order: first those already
	// stored, then each new one as it is committed, with no gap and no duplicate. It ends when ctx is
	// done (yielding ctx's error), when the store is closed (yielding ErrClosed), or on a failure the
	// implementation cannot recover from (yielding it).
	Subscribe(ctx context.Context, after Position) iter.Seq2[RecordedEvent, error]

	// Head returns the position of the last committed event, 0 for an empty log.
	Head(ctx context.Context) (Position, error)

	// Close releases the store. Subscriptions end, and later calls fail with ErrClosed.
	Close() error
}

// Position orders events in the global log. Positions strictly increase in commit order; they need not
// be contiguous (EventStoreDB's commit positions are byte offsets). No event has position 0.
type Position = uint64

// Event is an event to append.
type Event struct {
	ID       uuid.UUID // chosen by the caller, so that a retried append can be recognised
	Type     string
	Data     []byte
	Metadata []byte
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID         uuid.UUID
	Stream     string
	Revision   uint64   // 0 for a stream's first event
	Position   Position // place in the global log
	Type       string
	Data       []byte
	Metadata   []byte
	RecordedAt time.Time // when the store committed it, UTC
}

// AppendResult tells where an append landed.
type AppendResult struct {
	// NextRevision is the revision of the last event written: the stream's revision after the append.
	NextRevision uint64
	// Position is the global position of the last event written.
	Position Position
}
