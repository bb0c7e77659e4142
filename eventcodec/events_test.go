package eventcodec

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

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
		})
		types = append(types, d.EventType())
	}
	assert.ElementsMatch(t, domain.EventTypes, types, "every event type is covered")
}

// TestEventJSONFields pins the JSON member names of every event to docs/design.md §3.
func TestEventJSONFields(t *testing.T) {
	want := map[string][]string{
		domain.TypeOrganisationRegistered:             {"ods_code", "name", "kind", "sha_code"},
		domain.TypeChiefExecutiveAppointed:            {"ods_code", "person_id", "name", "effective_from"},
		domain.TypeLocalHealthCommunityFormed:         {"lhc_id", "name", "lead_pct", "sha_code", "members"},
		domain.TypeLocalHealthCommunityMembersChanged: {"lhc_id", "added", "removed"},
		domain.TypePlanSubmitted:                      {"plan_id", "lhc_id", "round", "version", "period", "content"},
		domain.TypePlanRevised:                        {"version", "content", "reason"},
		domain.TypeContributionRecorded:               {"version", "contributor_ods", "section", "summary", "document_sha256"},
		domain.TypeSROSignedOff:                       {"version", "ods_code", "person_id", "statement", "content_hash"},
		domain.TypeAssuranceRecorded:                  {"version", "sha_code", "outcome", "criteria", "conditions", "reflected_in_pfit_plan", "pfit"},
		domain.TypeCfHAcknowledged:                    {"version", "assurance_event_id", "note"},
		domain.TypePlanWithdrawn:                      {"reason"},
		domain.TypePlanningRoundPublished:             {"round", "title", "guidance_ref", "published_on", "first_financial_year", "min_years", "milestones", "criteria", "board_approval_required"},
		domain.TypeRoundMilestoneChanged:              {"round", "milestone", "due", "reason"},
		domain.TypePfITRegistered:                     {"pfit_id", "name"},
		domain.TypeSHAAssignedToPfIT:                  {"sha_code", "pfit_id"},
		domain.TypeContributionDeclined:               {"version", "ods_code", "reason"},
		domain.TypeMemberExcused:                      {"version", "ods_code", "reason"},
		domain.TypeConditionEvidenceSubmitted:         {"version", "condition_id", "summary", "document_sha256"},
		domain.TypeConditionDischarged:                {"version", "condition_id", "note"},
		domain.TypeConditionLapsed:                    {"version", "condition_id", "note"},
		domain.TypeCfHNoted:                           {"version", "note"},
		domain.TypeSHAReturnSubmitted:                 {"sha_code", "round", "as_of_position", "plans", "exceptions", "pfit_plan_ref"},
		domain.TypeCfHReturnAcknowledged:              {"return_event_id", "note", "queries"},
		domain.TypeGovernanceBodyRecorded:             {"body_id", "name", "ods_code", "lhc_id", "kind", "chair_person_id", "terms_of_reference_sha256", "effective_from"},
		domain.TypeMilestoneReported:                  {"item", "status", "actual_date", "note"},
		domain.TypeBoardApprovalRecorded:              {"version", "ods_code", "body_id", "meeting_date", "minute_ref", "document_sha256"},
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

	_, raw, err := EncodeEvent(domain.PlanSubmitted{PlanID: testPlanID, Version: 1, Period: period2009, Content: sampleContent(t)})
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
	assert.ElementsMatch(t, domain.Sections, contentKeys, "content members are the section names")
}

func TestEventListsAreNeverNull(t *testing.T) {
	for _, d := range []domain.EventData{
		domain.LocalHealthCommunityFormed{LHCID: testLHC},
		domain.LocalHealthCommunityMembersChanged{LHCID: testLHC},
		domain.AssuranceRecorded{Version: 1},
		domain.PlanSubmitted{PlanID: testPlanID},
		domain.PlanRevised{Version: 2},
	} {
		_, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		assert.NotContains(t, string(raw), "null]")
		assert.NotRegexp(t, `"(members|added|removed|criteria|conditions|clinical5|national_programmes)":null`, string(raw), d.EventType())
	}
	_, raw, err := EncodeEvent(domain.ContributionRecorded{Version: 1, ContributorODS: testTrust, Section: "clinical5", Summary: "s"})
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "document_sha256", "an absent document is left out")
}

func TestDecodeEventTolerance(t *testing.T) {
	d, err := DecodeEvent(domain.TypePlanWithdrawn, []byte(`{"reason":"r","added_in_v9":{"x":1}}`))
	require.NoError(t, err)
	assert.Equal(t, domain.PlanWithdrawn{Reason: "r"}, d, "unknown members are ignored")

	d, err = DecodeEvent(domain.TypeSROSignedOff, []byte(` {"version":2}`))
	require.NoError(t, err)
	assert.Equal(t, domain.SROSignedOff{Version: 2}, d, "absent members are zero")

	d, err = DecodeEvent(domain.TypeChiefExecutiveAppointed, []byte(`{"ods_code":"5K5","effective_from":"2010-01-01T01:00:00+01:00"}`))
	require.NoError(t, err)
	assert.True(t, d.(domain.ChiefExecutiveAppointed).EffectiveFrom.Equal(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)))
}

func TestDecodeEventErrors(t *testing.T) {
	for _, c := range []struct {
		name, typ, data string
	}{
		{"unknown type", "PlanApproved", `{}`},
		{"empty type", "", `{}`},
		{"type in other case", "planwithdrawn", `{}`},
		{"not JSON", domain.TypePlanWithdrawn, `reason`},
		{"empty", domain.TypePlanWithdrawn, ``},
		{"null", domain.TypePlanWithdrawn, `null`},
		{"array", domain.TypePlanWithdrawn, `[]`},
		{"wrong member type", domain.TypeSROSignedOff, `{"version":"1"}`},
		{"bad date", domain.TypePlanSubmitted, `{"content":{"clinical5":[{"interim_date":"31/12/2009"}]}}`},
		{"trailing data", domain.TypePlanWithdrawn, `{"reason":"r"} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeEvent(c.typ, []byte(c.data))
			assert.Error(t, err)
			assert.Nil(t, d)
		})
	}
}

type foreignEvent struct{}

func (foreignEvent) EventType() string { return domain.TypePlanWithdrawn }

type unknownEvent struct{}

func (unknownEvent) EventType() string { return "Unknown" }

func TestEncodeEventErrors(t *testing.T) {
	for _, d := range []domain.EventData{nil, (*domain.PlanWithdrawn)(nil), &domain.PlanWithdrawn{Reason: "a pointer"}, foreignEvent{}, unknownEvent{}} {
		_, _, err := EncodeEvent(d)
		assert.Error(t, err, "%T", d)
	}
	c := sampleContent(t)
	c.NHSNumberAdoption.CurrentPct = math.NaN()
	_, _, err := EncodeEvent(domain.PlanRevised{Version: 2, Content: c})
	assert.Error(t, err, "NaN cannot be recorded")
}

func TestDecodeEnvelope(t *testing.T) {
	typ, data, err := EncodeEvent(domain.PlanWithdrawn{Reason: "merged"})
	require.NoError(t, err)
	meta := []byte(`{"event_id":"e1","actor":{"person_id":"pc-1","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","schema_version":1,"hash":"h"}`)
	e, err := DecodeEnvelope(typ, data, meta)
	require.NoError(t, err)
	assert.Equal(t, domain.PlanWithdrawn{Reason: "merged"}, e.Data)
	assert.Equal(t, "e1", e.Meta.EventID)
	assert.Equal(t, "5K5", e.Meta.Actor.Org)
	assert.True(t, e.Meta.RecordedAt.Equal(t0))

	_, err = DecodeEnvelope("Nope", data, meta)
	assert.Error(t, err)
	_, err = DecodeEnvelope(typ, data, []byte(`[`))
	assert.Error(t, err)
}
