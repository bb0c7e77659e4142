package eventcodec

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"assurance-ledger/domain"
)

// Schema evolution. A stored event is never rewritten (its hash covers its bytes), so when the shape
// of an event's data changes the old shape stays in the log for ever. Each event records the
// schema_version it was written under; reading it, upcasters turn its data step by step into the
// shape of the current version, so deciders and projections only ever see the current shape.
//
// Upcasting happens in DecodeEnvelope, on a copy of the stored data: whoever checks a hash does so
// on the bytes as stored, before or without decoding, and nothing an upcaster does can reach them.

// SchemaVersion is the version of event data shapes that this code writes. Version 2 rates an
// assurance's criteria green, amber or red against the round's catalogue and gives its conditions
// ids, criteria and due dates (AssuranceRecorded, upcast from 1 by upcastAssuranceV1), and brings
// the event types of planning rounds, programmes for IT, member accounting, condition follow-up,
// CfH's notes and the SHAs' returns.
//
// Version 3 adds to a plan's content (each Clinical 5 capability's status and its solutions'
// sources and products, per-organisation indicators, funding by year, savings and capacity) and to
// a round (board_approval_required), and brings delivery reports, governance bodies and board
// approvals. Every member it adds to content is left out when empty, so content written before
// reads as it was written and hashes as it was signed: no upcaster, and older content's new
// members are empty (its capabilities count as planned). A version 2 round reads as not asking for
// board approval. Code of version 2 refuses a version 3 event (ErrSchemaTooNew) rather than
// dropping what it does not know.
const SchemaVersion = 3

// Upcaster turns the data of one event type from the shape of one schema version into the shape of
// the next. It receives its own copy of the data and may modify it.
type Upcaster func(data []byte) ([]byte, error)

// Shape is the history of one event type's data: the schema version it was first written under, and
// an upcaster from each version (the map's key) whose successor changed its shape. A type that
// never changed shape has none.
type Shape struct {
	Since     int
	Upcasters map[int]Upcaster
}

// Shapes is every event type's history. Every type registered in domain.Events has an entry, even
// when it never changed (TestEveryEventTypeHasAShape names a type without one): adding a type, or
// changing one's shape, is a decision to write down here.
var Shapes = map[string]Shape{
	domain.TypeOrganisationRegistered:             {Since: 1},
	domain.TypeChiefExecutiveAppointed:            {Since: 1},
	domain.TypeLocalHealthCommunityFormed:         {Since: 1},
	domain.TypeLocalHealthCommunityMembersChanged: {Since: 1},
	domain.TypePlanSubmitted:                      {Since: 1},
	domain.TypePlanRevised:                        {Since: 1},
	domain.TypeContributionRecorded:               {Since: 1},
	domain.TypeSROSignedOff:                       {Since: 1},
	domain.TypeAssuranceRecorded:                  {Since: 1, Upcasters: map[int]Upcaster{1: upcastAssuranceV1}},
	domain.TypeCfHAcknowledged:                    {Since: 1},
	domain.TypePlanWithdrawn:                      {Since: 1},
	domain.TypePlanningRoundPublished:             {Since: 2},
	domain.TypeRoundMilestoneChanged:              {Since: 2},
	domain.TypePfITRegistered:                     {Since: 2},
	domain.TypeSHAAssignedToPfIT:                  {Since: 2},
	domain.TypeContributionDeclined:               {Since: 2},
	domain.TypeMemberExcused:                      {Since: 2},
	domain.TypeConditionEvidenceSubmitted:         {Since: 2},
	domain.TypeConditionDischarged:                {Since: 2},
	domain.TypeConditionLapsed:                    {Since: 2},
	domain.TypeCfHNoted:                           {Since: 2},
	domain.TypeSHAReturnSubmitted:                 {Since: 2},
	domain.TypeCfHReturnAcknowledged:              {Since: 2},
	domain.TypeGovernanceBodyRecorded:             {Since: 3},
	domain.TypeMilestoneReported:                  {Since: 3},
	domain.TypeBoardApprovalRecorded:              {Since: 3},
}

// Schema is what reads versions oldest to current of every type's data.
type Schema struct {
	oldest, current int
	shapes          map[string]Shape
}

// ErrSchemaTooNew: the event was written by a newer version of the ledger than this one. Reading on
// would fold data whose meaning this code does not know.
var ErrSchemaTooNew = errors.New("event schema_version is newer than this code reads")

// ErrNoUpcastPath: the event's schema_version is older than any version this code can upcast from
// (or absent, which reads as 0), or older than its type.
var ErrNoUpcastPath = errors.New("no upcaster path from the event's schema_version")

// NewSchema returns the schema that reads versions oldest to current of the types in shapes, after
// checking that each names a known type, begins within the range and has an upcaster only from a
// version of its own within it.
func NewSchema(oldest, current int, shapes map[string]Shape) (*Schema, error) {
	if oldest < 1 || current < oldest {
		return nil, fmt.Errorf("schema: versions %d to %d are not a range starting at 1 or later", oldest, current)
	}
	for _, typ := range slices.Sorted(mapKeys(shapes)) {
		sh := shapes[typ]
		if _, ok := domain.Spec(typ); !ok {
			return nil, fmt.Errorf("schema: a shape is given for unknown event type %q", typ)
		}
		if sh.Since < oldest || sh.Since > current {
			return nil, fmt.Errorf("schema: %s is said to begin at version %d, outside %d to %d", typ, sh.Since, oldest, current)
		}
		for from, up := range sh.Upcasters {
			switch {
			case up == nil:
				return nil, fmt.Errorf("schema: %s has a nil upcaster from version %d", typ, from)
			case from < sh.Since || from >= current:
				return nil, fmt.Errorf("schema: %s has an upcaster from version %d, outside its versions %d to %d", typ, from, sh.Since, current-1)
			}
		}
	}
	return &Schema{oldest: oldest, current: current, shapes: shapes}, nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
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
	sh, ok := s.shapes[eventType]
	if !ok {
		return data, nil // an unknown type: decoding says so
	}
	if version < sh.Since {
		return nil, fmt.Errorf("%w: %s has schema_version %d, but the type was first written under %d", ErrNoUpcastPath, eventType, version, sh.Since)
	}
	var out []byte // a copy of data, made before the first upcaster
	for from := version; from < s.current; from++ {
		up, ok := sh.Upcasters[from]
		if !ok {
			continue
		}
		if out == nil {
			out = bytes.Clone(data)
		}
		next, err := up(out)
		if err != nil {
			return nil, fmt.Errorf("upcast %s from schema_version %d to %d: %w", eventType, from, from+1, err)
		}
		out = next
	}
	if out == nil {
		return data, nil
	}
	return out, nil
}

// LedgerSchema is the schema this code reads: version 1 is the first, and the fixture logs in
// compat/testdata keep proving that logs written under each earlier version still read.
var LedgerSchema = mustSchema(NewSchema(1, SchemaVersion, Shapes))

func mustSchema(s *Schema, err error) *Schema {
	if err != nil {
		panic(err)
	}
	return s
}
