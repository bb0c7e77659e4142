package esdbstore

import (
	"errors"
	"fmt"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// maxRevision is the largest stream revision the server can hold. It keeps revisions as signed
// 64-bit numbers and gives the negative ones (and the largest) special meanings: sent as they
// are, Exact(2^64-1) would read as "no stream" and Exact(2^63) as something else again.
const maxRevision = math.MaxInt64 - 1

// errUnreachableRevision reports an exact revision no stream can have; an append expecting it is
// a conflict whatever the stream holds.
var errUnreachableRevision = errors.New("revision beyond what a stream can hold")

// expectedRevision maps the port's expected revision to the client's.
func expectedRevision(e eventstore.ExpectedRevision) (esdb.ExpectedRevision, error) {
	switch {
	case e.IsAny():
		return esdb.Any{}, nil
	case e.IsNoStream():
		return esdb.NoStream{}, nil
	case e.IsStreamExists():
		return esdb.StreamExists{}, nil
	}
	if r, ok := e.Revision(); ok {
		if r > maxRevision {
			return nil, errUnreachableRevision
		}
		return esdb.Revision(r), nil
	}
	return nil, fmt.Errorf("%w: no expected revision", eventstore.ErrInvalidAppend)
}

// expectedPlace is the revision at which an append's first event would land if expected held:
// where a retried append's events are found. ok is false when expected names no revision.
func expectedPlace(e eventstore.ExpectedRevision) (rev uint64, ok bool) {
	if e.IsNoStream() {
		return 0, true
	}
	if r, exact := e.Revision(); exact && r < maxRevision {
		return r + 1, true
	}
	return 0, false
}
