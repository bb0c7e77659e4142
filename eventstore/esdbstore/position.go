package esdbstore

import (
	"fmt"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// The port's position is the event's commit position in $all. An event appended on its own (every
// append through gRPC: explicit transactions are gone) has a commit position equal to its prepare
// position, its own offset in the log, so one number names it exactly, strictly increasing in
// commit order and never 0 (the log opens with a system record). The numbers are byte offsets:
// they are not contiguous.

// maxPosition is the largest position the server can hold (it keeps them as signed 64-bit
// numbers); a read after it can only be empty.
const maxPosition = math.MaxInt64

// allAfter is where a forward read or subscription of $all starts so as to deliver the events
// after p. The server starts at the event at p itself when there is one (reads include it, a
// subscription may), so callers skip positions <= p.
func allAfter(p eventstore.Position) esdb.AllPosition {
	if p == 0 {
		return esdb.Start{}
	}
	return esdb.Position{Commit: p, Prepare: p}
}

// eventPosition returns the port position of an event the server sent.
func eventPosition(e *esdb.RecordedEvent) (eventstore.Position, error) {
	// Servers before 22.6 send no position with events read from a stream; the client reports
	// that as the largest number.
	if e.Position.Commit == math.MaxUint64 {
		return 0, fmt.Errorf("esdbstore: the server sent event %s of stream %s without its position: EventStoreDB 22.6 or later is needed", e.EventID, e.StreamID)
	}
	return e.Position.Commit, nil
}
