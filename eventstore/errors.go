package eventstore

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
)

var (
	// ErrConflict matches (errors.Is) every *ConflictError.
	ErrConflict = errors.New("eventstore: wrong expected revision")
	// ErrDuplicateEventID is returned when an appended event's id is already stored elsewhere than at
	// the same place of the same stream.
	ErrDuplicateEventID = errors.New("eventstore: event id already stored")
	// ErrInvalidAppend is returned for an append the store cannot take as given (no events, empty
	// stream name or event type, nil event id, duplicate ids within the call).
	ErrInvalidAppend = errors.New("eventstore: invalid append")
	// ErrCorrupt is returned when stored bytes fail their integrity check.
	ErrCorrupt = errors.New("eventstore: corrupt record")
	// ErrClosed is returned by a store that has been closed.
	ErrClosed = errors.New("eventstore: closed")
	// ErrUnavailable is returned when the store cannot be reached or cannot write (disk full, server
	// down); the caller may retry later.
	ErrUnavailable = errors.New("eventstore: unavailable")
	// ErrTooLarge is returned, besides ErrInvalidAppend, for an append larger than the store takes
	// in one request (EventStoreDB refuses appends over its maximum append size). Nothing is
	// written; sending it again gets the same answer.
	ErrTooLarge = errors.New("eventstore: append too large for the store")
	// ErrInvalidPosition is returned by ReadAll and Subscribe for a position that is no event's in
	// this store's log (EventStoreDB refuses to start reading inside a record): a position carried
	// over from another store, or made up.
	ErrInvalidPosition = errors.New("eventstore: no event at that position")
)

// ConflictError reports an append refused because the stream was not at the expected revision.
type ConflictError struct {
	Stream   string
	Expected ExpectedRevision
	Actual   uint64 // the stream's last revision; meaningless when Exists is false
	Exists   bool
}

func (e *ConflictError) Error() string {
	actual := "no stream"
	if e.Exists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("eventstore: stream %q expected at %s, is at %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CorruptError names the stored record that failed its integrity check.
type CorruptError struct {
	Position Position
	Reason   string
	// Stream, Revision and EventID are what the damaged record says of itself, when its structure
	// could still be read: a hint for the operator that the damage may itself have altered.
	Stream   string
	Revision uint64
	EventID  uuid.UUID
}

func (e *CorruptError) Error() string {
	if e.Stream != "" {
		return fmt.Sprintf("eventstore: record at position %d (stream %s revision %d, event %s, as the damaged record reads) is corrupt: %s",
			e.Position, e.Stream, e.Revision, e.EventID, e.Reason)
	}
	return fmt.Sprintf("eventstore: record at position %d is corrupt: %s", e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
