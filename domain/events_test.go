package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleEvents has one event of every type, with every field set.
func sampleEvents(tb testing.TB) []EventData {
	c := sampleContent(tb)
	return []EventData{
		OrganisationRegistered{ODSCode: leadPCT, Name: "Northtown PCT", Kind: KindPCT, SHACode: sha},
		ChiefExecutiveAppointed{ODSCode: leadPCT, PersonID: personCE1, Name: "Ann Chief", EffectiveFrom: ce1From},
		LocalHealthCommunityFormed{LHCID: lhcID, Name: "Northtown LHC", LeadPCT: leadPCT, SHACode: sha, Members: []string{trust, leadPCT}},
		LocalHealthCommunityMembersChanged{LHCID: lhcID, Added: []string{outsider}, Removed: []string{trust2}},
		PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: c},
		PlanRevised{Version: 2, Content: c, Reason: "feedback"},
		ContributionRecorded{Version: 1, ContributorODS: trust, Section: "clinical5", Summary: "s", DocumentSHA256: strings.Repeat("ab", 32)},
		SROSignedOff{Version: 1, ODSCode: leadPCT, PersonID: personCE1, Statement: "I sign", ContentHash: sampleHash},
		AssuranceRecorded{Version: 1, SHACode: sha, Outcome: OutcomeAssuredWithConditions, Criteria: []Criterion{{ID: "c1", Met: true, Note: "n"}}, Conditions: []string{"do x"}, ReflectedInPfITPlan: true, PfIT: "North, Midlands and East"},
		CfHAcknowledged{Version: 1, AssuranceEventID: "0190f0c4-0000-7000-8000-000000000009", Note: "noted"},
		PlanWithdrawn{Reason: "merged"},
	}
}

func TestEventRoundTrip(t *testing.T) {
	events := sampleEvents(t)
	var types []string
	for _, d := range events {
		t.Run(d.EventType(), func(t *testing.T) {
			typ, raw, err := EncodeEvent(d)
			require.NoError(t, err)
			assert.Equal(t, d.EventType(), typ)
			back, err := DecodeEvent(typ, raw)
			require.NoError(t, err)
			assert.Equal(t, d, back)

			// Through a pointer too.
			ptr := newEventData(typ)
			require.NoError(t, json.Unmarshal(raw, ptr))
			typ2, raw2, err := EncodeEvent(ptr)
			require.NoError(t, err)
			assert.Equal(t, typ, typ2)
			assert.JSONEq(t, string(raw), string(raw2))
		})
		types = append(types, d.EventType())
	}
	assert.ElementsMatch(t, EventTypes, types, "every event type is covered")
}

// TestEventJSONFields pins the JSON member names of every event to DESIGN.md section 2.
func TestEventJSONFields(t *testing.T) {
	want := map[string][]string{
		TypeOrganisationRegistered:             {"ods_code", "name", "kind", "sha_code"},
		TypeChiefExecutiveAppointed:            {"ods_code", "person_id", "name", "effective_from"},
		TypeLocalHealthCommunityFormed:         {"lhc_id", "name", "lead_pct", "sha_code", "members"},
		TypeLocalHealthCommunityMembersChanged: {"lhc_id", "added", "removed"},
		TypePlanSubmitted:                      {"plan_id", "lhc_id", "round", "version", "period", "content"},
		TypePlanRevised:                        {"version", "content", "reason"},
		TypeContributionRecorded:               {"version", "contributor_ods", "section", "summary", "document_sha256"},
		TypeSROSignedOff:                       {"version", "ods_code", "person_id", "statement", "content_hash"},
		TypeAssuranceRecorded:                  {"version", "sha_code", "outcome", "criteria", "conditions", "reflected_in_pfit_plan", "pfit"},
		TypeCfHAcknowledged:                    {"version", "assurance_event_id", "note"},
		TypePlanWithdrawn:                      {"reason"},
	}
	for _, d := range sampleEvents(t) {
		_, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &m))
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, want[d.EventType()], keys, d.EventType())
	}

	_, raw, err := EncodeEvent(PlanSubmitted{PlanID: planID, Version: 1, Period: period2009, Content: sampleContent(t)})
	require.NoError(t, err)
	var s struct {
		Period  map[string]int             `json:"period"`
		Content map[string]json.RawMessage `json:"content"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	assert.Equal(t, map[string]int{"first_year": 2009, "last_year": 2011}, s.Period)
	var contentKeys []string
	for k := range s.Content {
		contentKeys = append(contentKeys, k)
	}
	assert.ElementsMatch(t, Sections, contentKeys, "content members are the section names")
}

func TestEventListsAreNeverNull(t *testing.T) {
	for _, d := range []EventData{
		LocalHealthCommunityFormed{LHCID: lhcID},
		LocalHealthCommunityMembersChanged{LHCID: lhcID},
		AssuranceRecorded{Version: 1},
		PlanSubmitted{PlanID: planID},
		PlanRevised{Version: 2},
	} {
		_, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		assert.NotContains(t, string(raw), "null]")
		assert.NotRegexp(t, `"(members|added|removed|criteria|conditions|clinical5|national_programmes)":null`, string(raw), d.EventType())
	}
	_, raw, err := EncodeEvent(ContributionRecorded{Version: 1, ContributorODS: trust, Section: "clinical5", Summary: "s"})
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "document_sha256", "an absent document is left out")
}

func TestDecodeEventTolerance(t *testing.T) {
	d, err := DecodeEvent(TypePlanWithdrawn, []byte(`{"reason":"r","added_in_v9":{"x":1}}`))
	require.NoError(t, err)
	assert.Equal(t, PlanWithdrawn{Reason: "r"}, d, "unknown members are ignored")

	d, err = DecodeEvent(TypeSROSignedOff, []byte(` {"version":2}`))
	require.NoError(t, err)
	assert.Equal(t, SROSignedOff{Version: 2}, d, "absent members are zero")

	d, err = DecodeEvent(TypeChiefExecutiveAppointed, []byte(`{"ods_code":"5K5","effective_from":"2010-01-01T01:00:00+01:00"}`))
	require.NoError(t, err)
	assert.True(t, d.(ChiefExecutiveAppointed).EffectiveFrom.Equal(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)))
}

func TestDecodeEventErrors(t *testing.T) {
	for _, c := range []struct {
		name, typ, data string
	}{
		{"unknown type", "PlanApproved", `{}`},
		{"empty type", "", `{}`},
		{"type in other case", "planwithdrawn", `{}`},
		{"not JSON", TypePlanWithdrawn, `reason`},
		{"empty", TypePlanWithdrawn, ``},
		{"null", TypePlanWithdrawn, `null`},
		{"array", TypePlanWithdrawn, `[]`},
		{"wrong member type", TypeSROSignedOff, `{"version":"1"}`},
		{"bad date", TypePlanSubmitted, `{"content":{"clinical5":[{"interim_date":"31/12/2009"}]}}`},
		{"trailing data", TypePlanWithdrawn, `{"reason":"r"} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeEvent(c.typ, []byte(c.data))
			assert.Error(t, err)
			assert.Nil(t, d)
		})
	}
}

type foreignEvent struct{}

func (foreignEvent) EventType() string { return TypePlanWithdrawn }

type unknownEvent struct{}

func (unknownEvent) EventType() string { return "Unknown" }

func TestEncodeEventErrors(t *testing.T) {
	for _, d := range []EventData{nil, (*PlanWithdrawn)(nil), foreignEvent{}, unknownEvent{}} {
		_, _, err := EncodeEvent(d)
		assert.Error(t, err, "%T", d)
	}
	c := sampleContent(t)
	c.NHSNumberAdoption.CurrentPct = nan()
	_, _, err := EncodeEvent(PlanRevised{Version: 2, Content: c})
	assert.Error(t, err, "NaN cannot be recorded")
}

func TestEventTypesAreDistinct(t *testing.T) {
	sorted := slices.Clone(EventTypes)
	slices.Sort(sorted)
	assert.Len(t, slices.Compact(sorted), len(EventTypes))
}

func TestDecodeEnvelope(t *testing.T) {
	typ, data, err := EncodeEvent(PlanWithdrawn{Reason: "merged"})
	require.NoError(t, err)
	meta := []byte(`{"event_id":"e1","actor":{"person_id":"pc-1","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","schema_version":1,"hash":"h"}`)
	e, err := DecodeEnvelope(typ, data, meta)
	require.NoError(t, err)
	assert.Equal(t, PlanWithdrawn{Reason: "merged"}, e.Data)
	assert.Equal(t, "e1", e.Meta.EventID)
	assert.Equal(t, leadPCT, e.Meta.Actor.Org)
	assert.True(t, e.Meta.RecordedAt.Equal(t0))

	_, err = DecodeEnvelope("Nope", data, meta)
	assert.Error(t, err)
	_, err = DecodeEnvelope(typ, data, []byte(`[`))
	assert.Error(t, err)
}
