package eventstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"assurance-ledger/eventstore"
)

func TestExpectedRevisionSatisfied(t *testing.T) {
	tests := []struct {
		expected eventstore.ExpectedRevision
		last     uint64
		exists   bool
		want     bool
		str      string
	}{
		{eventstore.Any, 0, false, true, "any"},
		{eventstore.Any, 7, true, true, "any"},
		{eventstore.NoStream, 0, false, true, "no stream"},
		{eventstore.NoStream, 0, true, false, "no stream"},
		{eventstore.StreamExists, 0, true, true, "stream exists"},
		{eventstore.StreamExists, 0, false, false, "stream exists"},
		{eventstore.Exact(3), 3, true, true, "revision 3"},
		{eventstore.Exact(3), 2, true, false, "revision 3"},
		{eventstore.Exact(0), 0, false, false, "revision 0"},
		{eventstore.ExpectedRevision{}, 0, false, false, "unset"},
		{eventstore.ExpectedRevision{}, 4, true, false, "unset"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.expected.Satisfied(tc.last, tc.exists), "%s against last=%d exists=%v", tc.expected, tc.last, tc.exists)
		assert.Equal(t, tc.str, tc.expected.String())
	}
	rev, ok := eventstore.Exact(9).Revision()
	assert.True(t, ok)
	assert.Equal(t, uint64(9), rev)
	_, ok = eventstore.Any.Revision()
	assert.False(t, ok)
	assert.True(t, eventstore.Any.IsAny() && eventstore.NoStream.IsNoStream() && eventstore.StreamExists.IsStreamExists())
	assert.False(t, eventstore.ExpectedRevision{}.IsSet())
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	conflict := &eventstore.ConflictError{Stream: "plan-1", Expected: eventstore.Exact(2), Actual: 4, Exists: true}
	assert.True(t, errors.Is(conflict, eventstore.ErrConflict))
	assert.Equal(t, `eventstore: stream "plan-1" expected at revision 2, is at revision 4`, conflict.Error())
	missing := &eventstore.ConflictError{Stream: "plan-1", Expected: eventstore.StreamExists}
	assert.Contains(t, missing.Error(), "is at no stream")

	id := uuid.MustParse("0191d0c4-7c1e-7000-8000-000000000001")
	named := &eventstore.CorruptError{Position: 9, Reason: "checksum mismatch", Stream: "registry", Revision: 3, EventID: id}
	assert.True(t, errors.Is(named, eventstore.ErrCorrupt))
	assert.Contains(t, named.Error(), "stream registry revision 3, event "+id.String())
	bare := &eventstore.CorruptError{Position: 9, Reason: "short"}
	assert.Equal(t, "eventstore: record at position 9 is corrupt: short", bare.Error())
}

func TestValidateAppend(t *testing.T) {
	ok := eventstore.Event{ID: uuid.New(), Type: "E"}
	dup := eventstore.Event{ID: uuid.New(), Type: "E"}
	tests := []struct {
		name     string
		stream   string
		expected eventstore.ExpectedRevision
		events   []eventstore.Event
		want     string
	}{
		{"valid", "s", eventstore.Any, []eventstore.Event{ok}, ""},
		{"unset expectation", "s", eventstore.ExpectedRevision{}, []eventstore.Event{ok}, "no expected revision"},
		{"empty stream", "", eventstore.Any, []eventstore.Event{ok}, "stream name"},
		{"long stream", strings.Repeat("x", eventstore.MaxStreamNameLen+1), eventstore.Any, []eventstore.Event{ok}, "stream name"},
		{"reserved stream", "$all", eventstore.Any, []eventstore.Event{ok}, "reserved"},
		{"no events", "s", eventstore.Any, nil, "no events"},
		{"nil id", "s", eventstore.Any, []eventstore.Event{{Type: "E"}}, "no id"},
		{"reserved type", "s", eventstore.Any, []eventstore.Event{{ID: uuid.New(), Type: "$x"}}, "reserved"},
		{"duplicate ids", "s", eventstore.Any, []eventstore.Event{dup, dup}, "twice"},
	}
	for _, tc := range tests {
		err := eventstore.ValidateAppend(tc.stream, tc.expected, tc.events)
		if tc.want == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		assert.ErrorIs(t, err, eventstore.ErrInvalidAppend, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}
