package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renameMember is a typical upcaster: a member renamed between two versions.
func renameMember(from, to string) Upcaster {
	return func(data []byte) ([]byte, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		if v, ok := m[from]; ok {
			m[to] = v
			delete(m, from)
		}
		return json.Marshal(m)
	}
}

// testSchema reads versions 1 to 3 of an imagined history: in version 2 PlanWithdrawn's "why"
// became "reason"; in version 3 ContributionRecorded's "text" became "summary". Nothing else changed.
func testSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := NewSchema(1, 3,
		SchemaStep{From: 2, Upcasters: map[string]Upcaster{TypeContributionRecorded: renameMember("text", "summary")}},
		SchemaStep{From: 1, Upcasters: map[string]Upcaster{TypePlanWithdrawn: renameMember("why", "reason")}},
	)
	require.NoError(t, err)
	return s
}

func metaAt(version int) []byte {
	return fmt.Appendf(nil, `{"event_id":"e1","actor":{"person_id":"pc-1","name":"P","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","schema_version":%d,"prev_hash":"%s","hash":"h"}`, version, GenesisHash)
}

func TestSchemaUpcastsOldShapesToTheCurrentOne(t *testing.T) {
	s := testSchema(t)
	for _, tc := range []struct {
		name    string
		typ     string
		version int
		data    string
		want    EventData
		wantErr error
	}{
		{"current shape is read as is", TypePlanWithdrawn, 3, `{"reason":"merged"}`, PlanWithdrawn{Reason: "merged"}, nil},
		{"version 1 shape is upcast", TypePlanWithdrawn, 1, `{"why":"merged"}`, PlanWithdrawn{Reason: "merged"}, nil},
		{"a step that does not name the type leaves it", TypePlanWithdrawn, 2, `{"reason":"merged"}`, PlanWithdrawn{Reason: "merged"}, nil},
		{"steps apply in order from the event's version", TypeContributionRecorded, 1, `{"version":1,"text":"s"}`, ContributionRecorded{Version: 1, Summary: "s"}, nil},
		{"only later steps apply", TypeContributionRecorded, 2, `{"version":1,"text":"s"}`, ContributionRecorded{Version: 1, Summary: "s"}, nil},
		{"an unchanged type at an old version", TypeSROSignedOff, 1, `{"version":2}`, SROSignedOff{Version: 2}, nil},
		{"newer than the code", TypePlanWithdrawn, 4, `{"reason":"merged"}`, nil, ErrSchemaTooNew},
		{"no version (0)", TypePlanWithdrawn, 0, `{"reason":"merged"}`, nil, ErrNoUpcastPath},
		{"negative version", TypePlanWithdrawn, -1, `{"reason":"merged"}`, nil, ErrNoUpcastPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.DecodeEnvelope(tc.typ, []byte(tc.data), metaAt(tc.version))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Contains(t, err.Error(), tc.typ, "the error names the event type")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.Data)
			assert.Equal(t, tc.version, e.Meta.SchemaVersion, "metadata keeps the version the event was written under")
		})
	}
}

func TestLedgerSchemaReadsTodaysVersionOnly(t *testing.T) {
	assert.Equal(t, SchemaVersion, LedgerSchema.Current(), "events are written with the version the ledger reads up to")
	data := []byte(`{"reason":"merged"}`)
	_, err := DecodeEnvelope(TypePlanWithdrawn, data, metaAt(SchemaVersion))
	require.NoError(t, err)
	_, err = DecodeEnvelope(TypePlanWithdrawn, data, metaAt(SchemaVersion+1))
	require.ErrorIs(t, err, ErrSchemaTooNew)
	assert.Contains(t, err.Error(), "upgrade the ledger")
	_, err = DecodeEnvelope(TypePlanWithdrawn, data, []byte(`{"event_id":"e1"}`))
	require.ErrorIs(t, err, ErrNoUpcastPath, "an event without schema_version is not guessed at")
}

// The hash chain covers the stored bytes: decoding an old event, even with an upcaster that scribbles
// over its input, leaves them as they were, and they still verify.
func TestUpcastingNeverTouchesStoredBytes(t *testing.T) {
	scribble := func(data []byte) ([]byte, error) {
		for i := range data {
			data[i] = ' '
		}
		return []byte(`{"reason":"rewritten"}`), nil
	}
	s, err := NewSchema(1, 2, SchemaStep{From: 1, Upcasters: map[string]Upcaster{TypePlanWithdrawn: scribble}})
	require.NoError(t, err)

	data, meta := []byte(`{"reason":"merged"}`), metaAt(1)
	hash, err := ChainHash(GenesisHash, TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	stored := bytes.Clone(data)

	e, err := s.DecodeEnvelope(TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	assert.Equal(t, PlanWithdrawn{Reason: "rewritten"}, e.Data, "the upcaster ran")
	assert.Equal(t, stored, data, "stored data unchanged")
	again, err := ChainHash(GenesisHash, TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	assert.Equal(t, hash, again)
}

func TestUpcasterFailuresNameTheStep(t *testing.T) {
	broken := errors.New("member 'why' is not a string")
	s, err := NewSchema(1, 2, SchemaStep{From: 1, Upcasters: map[string]Upcaster{
		TypePlanWithdrawn:   func([]byte) ([]byte, error) { return nil, broken },
		TypeSROSignedOff:    func([]byte) ([]byte, error) { return []byte(`[1]`), nil },
		TypeCfHAcknowledged: func(d []byte) ([]byte, error) { return d, nil },
	}})
	require.NoError(t, err)
	_, err = s.DecodeEnvelope(TypePlanWithdrawn, []byte(`{}`), metaAt(1))
	require.ErrorIs(t, err, broken)
	assert.Contains(t, err.Error(), "from schema_version 1 to 2")
	_, err = s.DecodeEnvelope(TypeSROSignedOff, []byte(`{}`), metaAt(1))
	assert.ErrorContains(t, err, "not a JSON object", "what an upcaster returns must still decode")
}

func TestNewSchemaRefusesGapsAndUnknownTypes(t *testing.T) {
	id := func(d []byte) ([]byte, error) { return d, nil }
	for _, tc := range []struct {
		name            string
		oldest, current int
		steps           []SchemaStep
		want            string
	}{
		{"version 0", 0, 1, []SchemaStep{{From: 0}}, "starting at 1"},
		{"current before oldest", 2, 1, nil, "starting at 1"},
		{"missing step", 1, 3, []SchemaStep{{From: 1}}, "exactly 2"},
		{"repeated step", 1, 3, []SchemaStep{{From: 1}, {From: 1}}, "no step from version 2"},
		{"step outside the range", 1, 2, []SchemaStep{{From: 2}}, "no step from version 1"},
		{"unknown type", 1, 2, []SchemaStep{{From: 1, Upcasters: map[string]Upcaster{"PlanSubmited": id}}}, `unknown event type "PlanSubmited"`},
		{"nil upcaster", 1, 2, []SchemaStep{{From: 1, Upcasters: map[string]Upcaster{TypePlanSubmitted: nil}}}, "nil upcaster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSchema(tc.oldest, tc.current, tc.steps...)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := NewSchema(1, 1)
	assert.NoError(t, err, "one version, no steps")
}
