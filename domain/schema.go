package domain

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Schema evolution. A stored event is never rewritten (its hash covers its bytes), so when the shape
// of an event's data changes the old shape stays in the log for ever. Each event records the
// schema_version it was written under; reading it, upcasters turn its data step by step into the
// shape of the current version, so deciders and projections only ever see the current shape.
//
// Upcasting happens in DecodeEnvelope, on a copy of the stored data: whoever checks a hash does so
// on the bytes as stored, before or without decoding, and nothing an upcaster does can reach them.

// Upcaster turns the data of one event type from the shape of one schema version into the shape of
// the next. It receives its own copy of the data and may modify it.
type Upcaster func(data []byte) ([]byte, error)

// SchemaStep says what changed between schema version From and From+1: an upcaster for each event
// type whose data changed shape. Types it does not name kept theirs.
type SchemaStep struct {
	From      int
	Upcasters map[string]Upcaster
}

// Schema is the chain of steps from the oldest version this code reads to the current one.
type Schema struct {
	oldest, current int
	steps           []SchemaStep // steps[i].From == oldest+i
}

// ErrSchemaTooNew: the event was written by a newer version of the ledger than this one. Reading on
// would fold data whose meaning this code does not know.
var ErrSchemaTooNew = errors.New("event schema_version is newer than this code reads")

// ErrNoUpcastPath: the event's schema_version is older than any version this code can upcast from
// (or absent, which reads as 0).
var ErrNoUpcastPath = errors.New("no upcaster path from the event's schema_version")

// NewSchema returns the schema that reads versions oldest to current, given one step for each
// version in [oldest, current). Steps must name known event types.
func NewSchema(oldest, current int, steps ...SchemaStep) (*Schema, error) {
	if oldest < 1 || current < oldest {
		return nil, fmt.Errorf("schema: versions %d to %d are not a range starting at 1 or later", oldest, current)
	}
	sorted := slices.Clone(steps)
	slices.SortFunc(sorted, func(a, b SchemaStep) int { return a.From - b.From })
	if len(sorted) != current-oldest {
		return nil, fmt.Errorf("schema: %d steps given, versions %d to %d need exactly %d", len(sorted), oldest, current, current-oldest)
	}
	for i, st := range sorted {
		if st.From != oldest+i {
			return nil, fmt.Errorf("schema: no step from version %d (steps must cover %d to %d once each)", oldest+i, oldest, current-1)
		}
		for typ, up := range st.Upcasters {
			if newEventData(typ) == nil {
				return nil, fmt.Errorf("schema: step from version %d names unknown event type %q", st.From, typ)
			}
			if up == nil {
				return nil, fmt.Errorf("schema: step from version %d has a nil upcaster for %s", st.From, typ)
			}
		}
	}
	return &Schema{oldest: oldest, current: current, steps: sorted}, nil
}

// Current is the version this schema upcasts to: the version events are written with.
func (s *Schema) Current() int { return s.current }

// Upcast returns data of eventType, written under schema version, in the current shape. The data
// passed in is never modified.
func (s *Schema) Upcast(eventType string, version int, data []byte) ([]byte, error) {
	switch {
	case version > s.current:
		return nil, fmt.Errorf("%w: %s has schema_version %d, this code reads up to %d; upgrade the ledger before reading this log",
			ErrSchemaTooNew, eventType, version, s.current)
	case version < s.oldest:
		return nil, fmt.Errorf("%w: %s has schema_version %d, the oldest this code reads is %d", ErrNoUpcastPath, eventType, version, s.oldest)
	case version == s.current:
		return data, nil
	}
	out := bytes.Clone(data)
	for _, st := range s.steps[version-s.oldest:] {
		up, ok := st.Upcasters[eventType]
		if !ok {
			continue
		}
		next, err := up(out)
		if err != nil {
			return nil, fmt.Errorf("upcast %s from schema_version %d to %d: %w", eventType, st.From, st.From+1, err)
		}
		out = next
	}
	return out, nil
}

// LedgerSchema is the schema this code reads. Version 1 is the first; when SchemaVersion becomes 2,
// the step from 1 (with an upcaster for each type whose data changed) is added here, and the fixture
// log test keeps proving that logs written under version 1 still read.
var LedgerSchema = mustSchema(NewSchema(1, SchemaVersion))

func mustSchema(s *Schema, err error) *Schema {
	if err != nil {
		panic(err)
	}
	return s
}
