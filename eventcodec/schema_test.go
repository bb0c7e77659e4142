package eventcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
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

// shapesWith is every registered type at version 1 with no upcaster, but for the shapes given.
func shapesWith(changed map[string]Shape) map[string]Shape {
	out := map[string]Shape{}
	for _, spec := range domain.Events {
		out[spec.Type] = Shape{Since: 1}
	}
	for typ, sh := range changed {
		out[typ] = sh
	}
	return out
}

// testSchema reads versions 1 to 3 of an imagined history: in version 2 PlanWithdrawn's "why"
// became "reason"; in version 3 ContributionRecorded's "text" became "summary"; CfHAcknowledged
// was first written in version 2. Nothing else changed.
func testSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := NewSchema(1, 3, shapesWith(map[string]Shape{
		domain.TypeContributionRecorded: {Since: 1, Upcasters: map[int]Upcaster{2: renameMember("text", "summary")}},
		domain.TypePlanWithdrawn:        {Since: 1, Upcasters: map[int]Upcaster{1: renameMember("why", "reason")}},
		domain.TypeCfHAcknowledged:      {Since: 2},
	}))
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
		want    domain.EventData
		wantErr error
	}{
		{"current shape is read as is", domain.TypePlanWithdrawn, 3, `{"reason":"merged"}`, domain.PlanWithdrawn{Reason: "merged"}, nil},
		{"version 1 shape is upcast", domain.TypePlanWithdrawn, 1, `{"why":"merged"}`, domain.PlanWithdrawn{Reason: "merged"}, nil},
		{"a step that does not name the type leaves it", domain.TypePlanWithdrawn, 2, `{"reason":"merged"}`, domain.PlanWithdrawn{Reason: "merged"}, nil},
		{"steps apply in order from the event's version", domain.TypeContributionRecorded, 1, `{"version":1,"text":"s"}`, domain.ContributionRecorded{Version: 1, Summary: "s"}, nil},
		{"only later steps apply", domain.TypeContributionRecorded, 2, `{"version":1,"text":"s"}`, domain.ContributionRecorded{Version: 1, Summary: "s"}, nil},
		{"an unchanged type at an old version", domain.TypeSROSignedOff, 1, `{"version":2}`, domain.SROSignedOff{Version: 2}, nil},
		{"newer than the code", domain.TypePlanWithdrawn, 4, `{"reason":"merged"}`, nil, ErrSchemaTooNew},
		{"no version (0)", domain.TypePlanWithdrawn, 0, `{"reason":"merged"}`, nil, ErrNoUpcastPath},
		{"negative version", domain.TypePlanWithdrawn, -1, `{"reason":"merged"}`, nil, ErrNoUpcastPath},
		{"a version before the type was written", domain.TypeCfHAcknowledged, 1, `{"version":1}`, nil, ErrNoUpcastPath},
		{"the type's first version", domain.TypeCfHAcknowledged, 2, `{"version":1}`, domain.CfHAcknowledged{Version: 1}, nil},
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
	_, err := DecodeEnvelope(domain.TypePlanWithdrawn, data, metaAt(SchemaVersion))
	require.NoError(t, err)
	_, err = DecodeEnvelope(domain.TypePlanWithdrawn, data, metaAt(SchemaVersion+1))
	require.ErrorIs(t, err, ErrSchemaTooNew)
	assert.Contains(t, err.Error(), "upgrade the ledger")
	_, err = DecodeEnvelope(domain.TypePlanWithdrawn, data, []byte(`{"event_id":"e1"}`))
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
	s, err := NewSchema(1, 2, shapesWith(map[string]Shape{domain.TypePlanWithdrawn: {Since: 1, Upcasters: map[int]Upcaster{1: scribble}}}))
	require.NoError(t, err)

	data, meta := []byte(`{"reason":"merged"}`), metaAt(1)
	hash, err := ChainHash(GenesisHash, domain.TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	stored := bytes.Clone(data)

	e, err := s.DecodeEnvelope(domain.TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	assert.Equal(t, domain.PlanWithdrawn{Reason: "rewritten"}, e.Data, "the upcaster ran")
	assert.Equal(t, stored, data, "stored data unchanged")
	again, err := ChainHash(GenesisHash, domain.TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	assert.Equal(t, hash, again)
}

func TestUpcasterFailuresNameTheStep(t *testing.T) {
	broken := errors.New("member 'why' is not a string")
	s, err := NewSchema(1, 2, shapesWith(map[string]Shape{
		domain.TypePlanWithdrawn:   {Since: 1, Upcasters: map[int]Upcaster{1: func([]byte) ([]byte, error) { return nil, broken }}},
		domain.TypeSROSignedOff:    {Since: 1, Upcasters: map[int]Upcaster{1: func([]byte) ([]byte, error) { return []byte(`[1]`), nil }}},
		domain.TypeCfHAcknowledged: {Since: 1, Upcasters: map[int]Upcaster{1: func(d []byte) ([]byte, error) { return d, nil }}},
	}))
	require.NoError(t, err)
	_, err = s.DecodeEnvelope(domain.TypePlanWithdrawn, []byte(`{}`), metaAt(1))
	require.ErrorIs(t, err, broken)
	assert.Contains(t, err.Error(), "from schema_version 1 to 2")
	_, err = s.DecodeEnvelope(domain.TypeSROSignedOff, []byte(`{}`), metaAt(1))
	assert.ErrorContains(t, err, "not a JSON object", "what an upcaster returns must still decode")
}

func TestNewSchemaRefusesShapesThatCannotBe(t *testing.T) {
	id := func(d []byte) ([]byte, error) { return d, nil }
	for _, tc := range []struct {
		name            string
		oldest, current int
		shapes          map[string]Shape
		want            string
	}{
		{"version 0", 0, 1, nil, "starting at 1"},
		{"current before oldest", 2, 1, nil, "starting at 1"},
		{"unknown type", 1, 2, map[string]Shape{"PlanSubmited": {Since: 1}}, `unknown event type "PlanSubmited"`},
		{"a type begun before the oldest version", 2, 3, map[string]Shape{domain.TypePlanSubmitted: {Since: 1}}, "begin at version 1"},
		{"a type begun after the current version", 1, 2, map[string]Shape{domain.TypePlanSubmitted: {Since: 3}}, "begin at version 3"},
		{"nil upcaster", 1, 2, map[string]Shape{domain.TypePlanSubmitted: {Since: 1, Upcasters: map[int]Upcaster{1: nil}}}, "nil upcaster"},
		{"upcaster from the current version", 1, 2, map[string]Shape{domain.TypePlanSubmitted: {Since: 1, Upcasters: map[int]Upcaster{2: id}}}, "upcaster from version 2"},
		{"upcaster from before the type", 1, 3, map[string]Shape{domain.TypePlanSubmitted: {Since: 2, Upcasters: map[int]Upcaster{1: id}}}, "upcaster from version 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSchema(tc.oldest, tc.current, tc.shapes)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := NewSchema(1, 1, shapesWith(nil))
	assert.NoError(t, err, "one version, no upcasters")
}

// AssuranceRecorded of schema version 1 said whether each criterion was met and gave conditions as
// text; it reads in version 2's shape: met is green, not met red, each condition c<i> with its
// text and neither criterion nor due date. The stored bytes, and so the chain hash, are untouched.
func TestAssuranceRecordedV1IsUpcast(t *testing.T) {
	v1 := []byte(`{"version":2,"sha_code":"Q36","outcome":"assured_with_conditions","criteria":[{"id":"clinical5","met":true,"note":""},{"id":"ig","met":false,"note":"IG Toolkit level 2 not evidenced"}],"conditions":["IG Toolkit level 2 evidenced by March 2011","Weekly \u003cSUS\u003e review"],"reflected_in_pfit_plan":false,"pfit":"London PfIT 2010"}`)
	stored := bytes.Clone(v1)
	e, err := DecodeEnvelope(domain.TypeAssuranceRecorded, v1, metaAt(1))
	require.NoError(t, err)
	assert.Equal(t, stored, v1, "upcasting works on a copy")
	assert.Equal(t, 1, e.Meta.SchemaVersion, "metadata says what was recorded")
	assert.Equal(t, domain.AssuranceRecorded{Version: 2, SHACode: "Q36", Outcome: domain.OutcomeAssuredWithConditions,
		Criteria:   []domain.Criterion{{ID: "clinical5", Rating: domain.RatingGreen}, {ID: "ig", Rating: domain.RatingRed, Note: "IG Toolkit level 2 not evidenced"}},
		Conditions: []domain.Condition{{ID: "c1", Text: "IG Toolkit level 2 evidenced by March 2011"}, {ID: "c2", Text: "Weekly <SUS> review"}},
		PfIT:       "London PfIT 2010"}, e.Data)

	// Empty lists stay empty; today's shape is read as it is, with no upcasting.
	e, err = DecodeEnvelope(domain.TypeAssuranceRecorded, []byte(`{"version":1,"sha_code":"Q30","outcome":"assured","criteria":[],"conditions":[],"reflected_in_pfit_plan":true,"pfit":"p"}`), metaAt(1))
	require.NoError(t, err)
	a := e.Data.(domain.AssuranceRecorded)
	assert.Equal(t, []domain.Criterion{}, a.Criteria)
	assert.Equal(t, []domain.Condition{}, a.Conditions)

	// Data that is not version 1's shape is refused, naming the step, rather than read wrongly.
	for _, bad := range []string{
		`{"version":1,"criteria":[{"id":"a","rating":"green"}]}`,
		`{"version":1,"criteria":[{"id":"a","met":"yes"}]}`,
		`{"version":1,"conditions":[{"id":"c1"}]}`,
		`{"version":1,"surprise":true}`,
		`[]`,
	} {
		_, err := DecodeEnvelope(domain.TypeAssuranceRecorded, []byte(bad), metaAt(1))
		assert.ErrorContains(t, err, "from schema_version 1 to 2", bad)
	}
}

// The fast path of the AssuranceRecorded upcaster, where it accepts, gives what encoding/json's
// gives, byte for byte; where it declines, encoding/json's path decides.
func FuzzUpcastAssuranceV1FastPathMatches(f *testing.F) {
	for _, seed := range []string{
		`{"version":2,"sha_code":"Q36","outcome":"assured_with_conditions","criteria":[{"id":"clinical5","met":true,"note":""},{"id":"ig","met":false,"note":"IG Toolkit level 2 not evidenced"}],"conditions":["IG Toolkit level 2 evidenced by March 2011","Weekly \u003cSUS\u003e review"],"reflected_in_pfit_plan":false,"pfit":"London PfIT 2010"}`,
		`{"version":1,"sha_code":"Q30","outcome":"assured","criteria":[],"conditions":[],"reflected_in_pfit_plan":true,"pfit":"p"}`,
		`{"version":1,"sha_code":"Q30","outcome":"assured","criteria":[{"id":"a","met":null,"note":""}],"conditions":[],"reflected_in_pfit_plan":true,"pfit":"p"}`,
		`{"version":1,"sha_code":"Q\xff","outcome":"assured","criteria":[{"id":"\u00e9","met":true,"note":"x"}],"conditions":["\ud800"],"reflected_in_pfit_plan":true,"pfit":"p"}`,
		`{"version":1, "sha_code":"Q30"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := upcastAssuranceV1Fast(data)
		slow, err := upcastAssuranceV1JSON(data)
		if !ok {
			return
		}
		require.NoError(t, err, "the fast path accepted what encoding/json refuses: %q", data)
		assert.Equal(t, string(slow), string(fast), "%q", data)
	})
}

// An old log's assurance is upcast in a handful of allocations, not encoding/json's dozens.
func TestAssuranceV1UpcastAllocations(t *testing.T) {
	v1 := []byte(`{"version":2,"sha_code":"Q36","outcome":"assured_with_conditions","criteria":[{"id":"clinical5","met":true,"note":""},{"id":"ig","met":false,"note":"IG Toolkit level 2 not evidenced"}],"conditions":["IG Toolkit level 2 evidenced by March 2011"],"reflected_in_pfit_plan":false,"pfit":"London PfIT 2010"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := upcastAssuranceV1(v1); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 8.0)
}
