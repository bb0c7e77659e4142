package esdbstore

import (
	"fmt"

	"github.com/google/uuid"

	"assurance-ledger/eventstore"
)

// The server recognises a retried append only where it looks: above the expected revision, for an
// exact expectation, and in a bounded cache of recent ids for "any". An append whose ids are
// already stored at or below the revision it expects would simply be written a second time. The
// store therefore looks for the ids itself, in a window of the stream's last events, before an
// append and again after a conflict; these two functions decide from what it read.

// findFirst looks for the append's ids among stored (events of its stream, in any order). It
// returns the revision of the first event when that is stored, or ErrDuplicateEventID when a later
// event's id is stored without the first's, which no retry of this append can explain.
func findFirst(stream string, events []eventstore.Event, stored []eventstore.RecordedEvent) (rev uint64, found bool, err error) {
	at := make(map[uuid.UUID]uint64, len(stored))
	for _, e := range stored {
		at[e.ID] = e.Revision
	}
	if r, ok := at[events[0].ID]; ok {
		return r, true, nil
	}
	for _, e := range events[1:] {
		if r, ok := at[e.ID]; ok {
			return 0, false, fmt.Errorf("%w: event %s is already stored at revision %d of %s, but the event before it in this append is not", eventstore.ErrDuplicateEventID, e.ID, r, stream)
		}
	}
	return 0, false, nil
}

// replayed decides an append whose first event is stored: run holds the stream's events from that
// event's revision on, oldest first. The same ids in the same order make the append a replay, and
// its result the original one; anything else is ErrDuplicateEventID.
func replayed(stream string, events []eventstore.Event, run []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if len(run) == 0 || run[0].ID != events[0].ID {
		return eventstore.AppendResult{}, fmt.Errorf("%w: event %s of %s moved while it was being read", eventstore.ErrDuplicateEventID, events[0].ID, stream)
	}
	for i, e := range events {
		switch {
		case i >= len(run):
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %s is stored at revision %d of %s, but event %s after it in this append is not stored after it",
				eventstore.ErrDuplicateEventID, events[0].ID, run[0].Revision, stream, e.ID)
		case run[i].ID != e.ID:
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %s is stored at revision %d of %s, but revision %d holds %s, not this append's %s",
				eventstore.ErrDuplicateEventID, events[0].ID, run[0].Revision, stream, run[i].Revision, run[i].ID, e.ID)
		}
	}
	last := run[len(events)-1]
	return eventstore.AppendResult{NextRevision: last.Revision, Position: last.Position}, nil
}
