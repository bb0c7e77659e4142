package api_test

import (
	"encoding/csv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
)

// testClock is a clock the test moves: a condition lapses only after its due date.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// fieldsOf are the fields a problem names.
func fieldsOf(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, f := range r.json(t)["errors"].([]any) {
		out = append(out, f.(map[string]any)["field"].(string))
	}
	return out
}

// The assurance process over HTTP, each refusal a problem+json with its code and fields and
// nothing written: rounds and their deadlines, programmes for IT, members accounted for, the
// catalogue rated, conditions followed up, CfH's notes, the SHA's return and CfH's acknowledgement.
func TestAssuranceProcessOverHTTP(t *testing.T) {
	clock := &testClock{t: time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)}
	s := startServerWith(t, t.TempDir(), command.Options{Clock: clock.now})
	s.setUpRegistry()
	refused := func(status int, code, method, path string, actor *domain.Actor, body any) response {
		t.Helper()
		before := s.head()
		r := s.do(method, path, actor, body)
		requireProblem(t, r, status, code)
		assert.Equal(t, before, s.head(), "%s %s wrote", method, path)
		return r
	}

	// Rounds: published once; plans only to published rounds and within their years.
	refused(409, "round_exists", "POST", "/v1/rounds", &admin, roundBody("2009-10"))
	bad := roundBody("2010-11")
	bad["milestones"] = []map[string]string{{"id": "plan_submission", "due": "2010-07-31"}}
	r := refused(422, "invalid_command", "POST", "/v1/rounds", &admin, bad)
	assert.Contains(t, fieldsOf(t, r), "milestones")
	refused(404, "round_not_found", "POST", "/v1/rounds/2011-12/milestones", &admin, map[string]any{"milestone": "sha_return", "due": "2011-12-20", "reason": "r"})
	r = refused(422, "invalid_command", "POST", "/v1/rounds/2009-10/milestones", &admin, map[string]any{"milestone": "sha_return", "due": "2010-03-31", "reason": "r"})
	assert.Equal(t, []string{"due"}, fieldsOf(t, r), "past the next deadline")
	s.must(201, "POST", "/v1/rounds/2009-10/milestones", &admin, map[string]any{"milestone": "sha_return", "due": "2010-01-15", "reason": "Four more weeks."})
	rd := s.must(200, "GET", "/v1/rounds/2009-10?min_position="+itoa(s.head()), &auditor, nil)
	ret := rd["milestones"].([]any)[3].(map[string]any)
	assert.Equal(t, "2010-01-15", ret["due"])
	assert.Equal(t, "2009-12-18", ret["published_due"])
	assert.Len(t, ret["changes"], 1)
	assert.Len(t, s.must(200, "GET", "/v1/rounds", &provider, nil)["rounds"], 1)
	requireProblem(t, s.do("GET", "/v1/rounds/2010-11", &auditor, nil), 404, "round_not_found")
	for _, malformed := range []string{"abc", "2010-12", "2010"} {
		r := s.do("GET", "/v1/rounds/"+malformed, &auditor, nil)
		requireProblem(t, r, 400, "malformed_request")
		assert.Equal(t, []string{"round"}, fieldsOf(t, r), malformed)
	}
	for _, path := range []string{"/v1/reports/criteria", "/v1/reports/cfh-returns", "/v1/shas/Q36/returns"} {
		r := s.do("GET", path+"?round=2031-32", &auditor, nil)
		requireProblem(t, r, 404, "round_not_found")
		assert.Equal(t, []string{"round"}, fieldsOf(t, r), path)
		s.must(200, "GET", path+"?round=2009-10", &auditor, nil)
	}
	later := submitBody(t)
	later["round"] = "2010-11"
	refused(422, "round_not_published", "POST", "/v1/plans", &pct, later)
	outside := submitBody(t)
	outside["period"] = map[string]int{"first_year": 2015, "last_year": 2017}
	r = refused(422, "period_outside_round", "POST", "/v1/plans", &pct, outside)
	assert.Contains(t, fieldsOf(t, r), "period.first_year")

	// Programmes for IT.
	refused(409, "already_assigned", "POST", "/v1/shas/Q36/pfit", &admin, map[string]any{"pfit_id": "london"})
	refused(422, "unknown_pfit", "POST", "/v1/shas/Q30/pfit", &admin, map[string]any{"pfit_id": "scotland"})
	s.must(201, "POST", "/v1/pfits", &admin, map[string]any{"pfit_id": "nme", "name": "North, Midlands and East Programme for IT"})
	s.must(201, "POST", "/v1/shas/Q30/pfit", &admin, map[string]any{"pfit_id": "nme"})
	pfits := s.must(200, "GET", "/v1/pfits?min_position="+itoa(s.head()), &cfh, nil)["pfits"].([]any)
	require.Len(t, pfits, 2)
	assert.Equal(t, []any{"Q36"}, pfits[0].(map[string]any)["shas"])

	// A plan, a member that declines, and an assurance that must rate the catalogue.
	s.must(201, "POST", "/v1/organisations", &admin, map[string]any{"ods_code": "RKE", "name": "Whittington Hospital NHS Trust", "kind": "provider", "sha_code": "Q36"})
	s.must(201, "PATCH", "/v1/lhcs/lhc-brent/members", &admin, map[string]any{"added": []string{"RKE"}})
	body := submitBody(t)
	body["content"] = withOrganisation(sampleContent(t), "RKE") // every NHS member gives its indicators
	plan := s.must(201, "POST", "/v1/plans", &pct, body)["plan_id"].(string)
	path := "/v1/plans/" + plan
	hash := contentHash(t, body["content"].(map[string]any))
	s.must(201, "POST", path+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms"})
	s.must(201, "POST", path+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "I confirm", "content_hash": hash})
	s.must(201, "POST", path+"/sro-signoffs", &ceRJ1, map[string]any{"version": 1, "statement": "I confirm", "content_hash": hash})
	assure := func(outcome string, ig string, conditions []map[string]any, reflected bool, pfit string) map[string]any {
		return map[string]any{"version": 1, "outcome": outcome, "criteria": []map[string]any{{"id": "c5", "rating": "green"}, {"id": "ig", "rating": ig}},
			"conditions": conditions, "reflected_in_pfit_plan": reflected, "pfit": pfit}
	}
	r = refused(422, "members_unaccounted", "POST", path+"/assurances", &assurer, assure("assured", "green", nil, true, "london"))
	assert.Equal(t, []string{"members_unaccounted"}, fieldsOf(t, r))
	assert.Contains(t, r.json(t)["detail"], "RKE")
	whittington := domain.Actor{PersonID: "pr-rke", Name: "Wyn Provider", Role: domain.RoleProvider, Org: "RKE"}
	refused(403, "organisation_not_allowed", "POST", path+"/declines", &pct, map[string]any{"version": 1, "reason": "The lead PCT writes the plan."})
	s.must(201, "POST", path+"/declines", &whittington, map[string]any{"version": 1, "reason": "Our services are unchanged."})
	refused(409, "member_already_accounted", "POST", path+"/excusals", &assurer, map[string]any{"version": 1, "ods_code": "RKE", "reason": "r"})
	r = refused(409, "member_already_accounted", "POST", path+"/contributions", &whittington, map[string]any{"section": "clinical5", "summary": "After all"})
	assert.Contains(t, r.json(t)["detail"], "already declined", "a member is accounted for once a version")
	refused(422, "wrong_pfit", "POST", path+"/assurances", &assurer, assure("assured", "green", nil, true, "Scottish Programme for IT"))
	onGreen := assure("assured_with_conditions", "amber", []map[string]any{{"id": "x", "text": "t", "criterion": "c5", "due": "2010-03-31"},
		{"id": "ig", "text": "t", "criterion": "ig", "due": "2010-03-31"}}, true, "london")
	r = refused(422, "invalid_assurance", "POST", path+"/assurances", &assurer, onGreen)
	assert.Equal(t, []string{"conditions[0].criterion"}, fieldsOf(t, r), "a condition answers an amber criterion")
	late := assure("assured_with_conditions", "amber", []map[string]any{{"id": "ig", "text": "t", "criterion": "ig", "due": "2099-12-31"}}, true, "london")
	r = refused(422, "invalid_assurance", "POST", path+"/assurances", &assurer, late)
	assert.Equal(t, []string{"conditions[0].due"}, fieldsOf(t, r), "due within the plan's period")
	noIG := assure("assured", "green", nil, true, "london")
	noIG["criteria"] = []map[string]any{{"id": "c5", "rating": "green"}}
	r = refused(422, "invalid_assurance", "POST", path+"/assurances", &assurer, noIG)
	assert.Contains(t, fieldsOf(t, r), "criteria")
	r = refused(422, "invalid_assurance", "POST", path+"/assurances", &assurer, assure("assured", "red", nil, true, "london"))
	assert.Contains(t, fieldsOf(t, r), "criteria[1].rating")
	conds := []map[string]any{{"id": "ig-l2", "text": "Evidence IG Toolkit level 2", "criterion": "ig", "due": "2009-12-31"},
		{"id": "ig-audit", "text": "IG audit to the board", "criterion": "ig", "due": "2009-12-31"}}
	s.must(201, "POST", path+"/assurances", &assurer, assure("assured_with_conditions", "amber", conds, false, "london"))

	// CfH cannot acknowledge what is not reflected in the PfIT plan; it notes it.
	refused(422, "not_reflected_in_pfit_plan", "POST", path+"/acknowledgements", &cfh, map[string]any{"version": 1, "note": "reflected"})
	s.must(201, "POST", path+"/cfh-notes", &cfh, map[string]any{"version": 1, "note": "Awaiting the PfIT plan."})
	refused(409, "already_noted", "POST", path+"/cfh-notes", &cfh, map[string]any{"version": 1, "note": "again"})

	// Conditions: evidence, discharge on evidence, lapse once due.
	refused(404, "condition_not_found", "POST", path+"/conditions/nope/evidence", &pct, map[string]any{"version": 1, "summary": "s"})
	refused(422, "no_condition_evidence", "POST", path+"/conditions/ig-l2/discharge", &assurer, map[string]any{"version": 1, "note": "n"})
	s.must(201, "POST", path+"/conditions/ig-l2/evidence", &pct, map[string]any{"version": 1, "summary": "IG Toolkit returns"})
	s.must(201, "POST", path+"/conditions/ig-l2/discharge", &assurer, map[string]any{"version": 1, "note": "Met."})
	refused(409, "condition_closed", "POST", path+"/conditions/ig-l2/evidence", &pct, map[string]any{"version": 1, "summary": "more"})
	refused(422, "condition_not_due", "POST", path+"/conditions/ig-audit/lapse", &assurer, map[string]any{"version": 1, "note": "n"})
	clock.set(time.Date(2010, 1, 4, 9, 0, 0, 0, time.UTC))
	s.must(201, "POST", path+"/conditions/ig-audit/lapse", &assurer, map[string]any{"version": 1, "note": "No audit by the due date."})
	st := s.must(200, "GET", path+"?min_position="+itoa(s.head()), &auditor, nil)
	states := map[string]string{}
	for _, c := range st["conditions"].([]any) {
		states[c.(map[string]any)["id"].(string)] = c.(map[string]any)["state"].(string)
	}
	assert.Equal(t, map[string]string{"ig-l2": "discharged", "ig-audit": "lapsed"}, states)
	assert.Equal(t, "Awaiting the PfIT plan.", st["cfh_note"].(map[string]any)["note"])
	assert.Equal(t, []any{}, st["members_unaccounted"])

	// The SHA's return: every LHC accounted for, the plan as it stands; CfH acknowledges it.
	assurance := st["assurance"].(map[string]any)["event_id"].(string)
	returned := map[string]any{"plan_id": plan, "version": 1, "assurance_event_id": assurance, "outcome": "assured_with_conditions", "reflected_in_pfit_plan": false,
		"reason": "The PfIT plan's next issue takes in Brent's PAS dates."}
	ref := map[string]any{"title": "London PfIT deployment plan", "version": "3", "document_sha256": strings.Repeat("ab", 32)}
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-harrow", "name": "Harrow LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{}})
	r = refused(422, "return_incomplete", "POST", "/v1/shas/Q36/returns", &assurer, map[string]any{"round": "2009-10", "plans": []any{returned}, "exceptions": []any{}, "pfit_plan_ref": ref})
	assert.Contains(t, r.json(t)["detail"], "lhc-harrow")
	wrong := map[string]any{"plan_id": plan, "version": 1, "assurance_event_id": assurance, "outcome": "assured", "reflected_in_pfit_plan": false}
	r = refused(422, "return_mismatch", "POST", "/v1/shas/Q36/returns", &assurer, map[string]any{"round": "2009-10", "plans": []any{wrong},
		"exceptions": []any{map[string]any{"lhc_id": "lhc-harrow", "reason": "No plan yet."}}, "pfit_plan_ref": ref})
	assert.Equal(t, []string{"plans[0]"}, fieldsOf(t, r))
	harrow := map[string]any{"lhc_id": "lhc-harrow", "reason": "No plan yet."}
	unexplained := map[string]any{"plan_id": plan, "version": 1, "assurance_event_id": assurance, "outcome": "assured_with_conditions", "reflected_in_pfit_plan": false}
	r = refused(422, "invalid_command", "POST", "/v1/shas/Q36/returns", &assurer, map[string]any{"round": "2009-10", "plans": []any{unexplained},
		"exceptions": []any{harrow}, "pfit_plan_ref": ref})
	assert.Equal(t, []string{"plans[0].reason"}, fieldsOf(t, r), "a plan not reflected in the PfIT plan is returned with a reason")
	brent := map[string]any{"lhc_id": "lhc-brent", "reason": "To follow."}
	r = refused(422, "return_mismatch", "POST", "/v1/shas/Q36/returns", &assurer, map[string]any{"round": "2009-10", "plans": []any{},
		"exceptions": []any{harrow, brent}, "pfit_plan_ref": ref})
	assert.Equal(t, []string{"exceptions[1].lhc_id"}, fieldsOf(t, r), "Brent has an assured plan: no exception for it")
	assert.Contains(t, r.json(t)["detail"], plan)
	full := map[string]any{"round": "2009-10", "plans": []any{returned}, "exceptions": []any{harrow}, "pfit_plan_ref": ref}
	otherSHA := domain.Actor{PersonID: "sa-q30", Name: "Sue", Role: domain.RoleSHAAssurer, Org: "Q30"}
	refused(403, "wrong_sha", "POST", "/v1/shas/Q36/returns", &otherSHA, full)
	res := s.must(201, "POST", "/v1/shas/Q36/returns", &assurer, full)
	assert.Equal(t, "sha-return-Q36-2009-10", res["stream"])
	refused(404, "return_not_found", "POST", "/v1/shas/Q36/returns/"+plan+"/acknowledgement", &cfh, map[string]any{})
	s.must(201, "POST", "/v1/shas/Q36/returns/"+res["event_id"].(string)+"/acknowledgement", &cfh, map[string]any{"note": "Received", "queries": []string{"When will Harrow submit?"}})
	refused(409, "already_acknowledged", "POST", "/v1/shas/Q36/returns/"+res["event_id"].(string)+"/acknowledgement", &cfh, map[string]any{})

	rets := s.must(200, "GET", "/v1/shas/Q36/returns?round=2009-10&min_position="+itoa(s.head()), &pct, nil)
	round := rets["rounds"].([]any)[0].(map[string]any)
	assert.Equal(t, true, round["status"].(map[string]any)["acknowledged"])
	assert.EqualValues(t, 0, round["status"].(map[string]any)["days_late"], "returned on 4 January, before the deadline as moved to 15 January")
	rep := s.must(200, "GET", "/v1/reports/cfh-returns?round=2009-10", &auditor, nil)["returns"].([]any)
	require.Len(t, rep, 2)
	q36 := rep[1].(map[string]any)
	assert.Equal(t, "Q36", q36["sha_code"])
	assert.EqualValues(t, 2, q36["lhcs"])
	assert.EqualValues(t, 1, q36["lhcs_covered"])
	assert.EqualValues(t, 1, q36["exceptions"])
	assert.Equal(t, false, q36["stale"])
	assert.Equal(t, "2009-12-18", round["status"].(map[string]any)["published_due"], "the deadline as published, beside the one moved")

	// An LHC formed since makes the acknowledged return stale; a return that no longer holds
	// cannot be acknowledged.
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-ealing", "name": "Ealing LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{}})
	q36 = s.must(200, "GET", "/v1/reports/cfh-returns?round=2009-10&min_position="+itoa(s.head()), &auditor, nil)["returns"].([]any)[1].(map[string]any)
	assert.Equal(t, true, q36["stale"])
	require.Len(t, q36["stale_reasons"], 1)
	assert.Contains(t, q36["stale_reasons"].([]any)[0].(map[string]any)["message"], "lhc-ealing")
	then := s.must(200, "GET", "/v1/reports/cfh-returns?round=2009-10&as_of="+itoa(s.head()-1), &auditor, nil)["returns"].([]any)[1].(map[string]any)
	assert.Equal(t, false, then["stale"], "before the LHC was formed the return held")
	second := s.must(201, "POST", "/v1/shas/Q36/returns", &assurer, map[string]any{"round": "2009-10", "plans": []any{returned},
		"exceptions": []any{harrow, map[string]any{"lhc_id": "lhc-ealing", "reason": "Formed in January."}}, "pfit_plan_ref": ref})
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-acton", "name": "Acton LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{}})
	r = refused(409, "return_stale", "POST", "/v1/shas/Q36/returns/"+second["event_id"].(string)+"/acknowledgement", &cfh, map[string]any{})
	assert.Equal(t, []string{"exceptions"}, fieldsOf(t, r))
	assert.Contains(t, r.json(t)["detail"], "lhc-acton")
	rets = s.must(200, "GET", "/v1/shas/Q36/returns?round=2009-10&min_position="+itoa(s.head()), &pct, nil)
	assert.Equal(t, true, rets["rounds"].([]any)[0].(map[string]any)["stale"])

	// A deadline that has passed stays; none is moved into the past.
	r = refused(422, "milestone_passed", "POST", "/v1/rounds/2009-10/milestones", &admin, map[string]any{"milestone": "plan_submission", "due": "2010-02-01", "reason": "Late guidance"})
	assert.Equal(t, []string{"milestone"}, fieldsOf(t, r))
	r = refused(422, "milestone_passed", "POST", "/v1/rounds/2009-10/milestones", &admin, map[string]any{"milestone": "sha_return", "due": "2010-01-02", "reason": "Pulled forward"})
	assert.Equal(t, []string{"due"}, fieldsOf(t, r))

	// The reports, as JSON and as CSV.
	crit := s.must(200, "GET", "/v1/reports/criteria?round=2009-10", &auditor, nil)
	for _, row := range crit["by_sha"].([]any) {
		if row.(map[string]any)["sha_code"] == "Q36" {
			assert.Equal(t, []any{map[string]any{"id": "c5", "green": 1.0, "amber": 0.0, "red": 0.0}, map[string]any{"id": "ig", "green": 0.0, "amber": 1.0, "red": 0.0}},
				row.(map[string]any)["criteria"])
		}
	}
	for _, report := range []string{"criteria", "sro-coverage", "cfh-returns", "transparency"} {
		r := s.do("GET", "/v1/reports/"+report+"?round=2009-10", &auditor, nil, "Accept", "text/csv")
		require.Equal(t, 200, r.status, report)
		assert.Contains(t, r.header.Get("Content-Disposition"), ".csv")
		rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		require.NoError(t, err, report)
		assert.Greater(t, len(rows), 1, report)
	}
	cov := s.must(200, "GET", "/v1/reports/sro-coverage?sha=Q36", &auditor, nil)["organisations"].([]any)
	got := map[string]string{}
	for _, o := range cov {
		for _, p := range o.(map[string]any)["plans"].([]any) {
			got[o.(map[string]any)["ods_code"].(string)] = p.(map[string]any)["state"].(string)
		}
	}
	assert.Equal(t, map[string]string{"5K5": "signed", "RJ1": "signed"}, got, "the version's signatories: RKE, which did not contribute, is not one")
	tr := s.must(200, "GET", "/v1/reports/transparency?round=2009-10&sha=Q36&as_of=2009-12-31T00:00:00Z", &auditor, nil)
	assert.Equal(t, "2009-12-31", tr["lateness_on"])
	row := tr["by_sha"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 0, row["overdue_submissions"], "Harrow was formed in 2010: as of 2009 Brent's plan was all there was")
	assert.EqualValues(t, 1, row["open_conditions"], "ig-l2 was discharged in June; ig-audit lapsed only in January")
	now := s.must(200, "GET", "/v1/reports/transparency?round=2009-10&sha=Q36", &auditor, nil)
	assert.EqualValues(t, 3, now["by_sha"].([]any)[0].(map[string]any)["overdue_submissions"], "Harrow, Ealing and Acton have no plan, and the deadline has passed")
}
