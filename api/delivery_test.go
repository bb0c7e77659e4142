package api_test

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/evidence"
)

// Governance bodies, board approvals before sign-off in a round that asks for them, SRO evidence
// that shows them, and delivery reports with the plan's delivery and the delivery, funding and
// transparency reports over HTTP; each refusal a problem+json that writes nothing.
func TestDeliveryAndGovernanceOverHTTP(t *testing.T) {
	clock := &testClock{t: time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)}
	s := startServerWith(t, t.TempDir(), command.Options{Clock: clock.now})
	refused := func(status int, code, method, path string, actor *domain.Actor, body any) response {
		t.Helper()
		before := s.head()
		r := s.do(method, path, actor, body)
		requireProblem(t, r, status, code)
		assert.Equal(t, before, s.head(), "%s %s wrote", method, path)
		return r
	}
	// The test world, its round asking for a board's approval before each sign-off.
	for _, o := range []map[string]any{
		{"ods_code": "Q36", "name": "NHS London", "kind": "sha"},
		{"ods_code": "X09", "name": "NHS Connecting for Health", "kind": "cfh"},
		{"ods_code": "5K5", "name": "Brent Teaching PCT", "kind": "pct", "sha_code": "Q36"},
		{"ods_code": "RJ1", "name": "Guy's and St Thomas' NHS Foundation Trust", "kind": "provider", "sha_code": "Q36"},
		{"ods_code": "RJ2", "name": "Lewisham Healthcare NHS Trust", "kind": "provider", "sha_code": "Q36"}, // in no LHC
	} {
		s.must(201, "POST", "/v1/organisations", &admin, o)
	}
	s.must(201, "POST", "/v1/organisations/5K5/chief-executive", &admin, map[string]any{"person_id": cePCT.PersonID, "name": cePCT.Name, "effective_from": "2008-04-01"})
	s.must(201, "POST", "/v1/organisations/RJ1/chief-executive", &admin, map[string]any{"person_id": ceRJ1.PersonID, "name": ceRJ1.Name, "effective_from": "2008-04-01"})
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-brent", "name": "Brent LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}})
	round := roundBody("2009-10")
	round["board_approval_required"] = true
	s.must(201, "POST", "/v1/rounds", &admin, round)
	rd := s.must(200, "GET", "/v1/rounds/2009-10?min_position="+itoa(s.head()), &auditor, nil)
	assert.Equal(t, true, rd["board_approval_required"])

	// Governance bodies.
	tor := strings.Repeat("ab", 32)
	board := map[string]any{"body_id": "ib-5k5", "name": "Brent Teaching PCT Informatics Board", "ods_code": "5K5", "kind": "organisation_informatics_board",
		"chair_person_id": cePCT.PersonID, "terms_of_reference_sha256": tor, "effective_from": "2008-10-01"}
	refused(403, "role_not_allowed", "POST", "/v1/governance-bodies", &pct, board)
	unknown := map[string]any{"body_id": "ib-rzz", "name": "Nowhere Board", "ods_code": "RZZ", "kind": "organisation_informatics_board",
		"chair_person_id": "p", "terms_of_reference_sha256": tor, "effective_from": "2008-10-01"}
	r := refused(422, "unknown_organisation", "POST", "/v1/governance-bodies", &admin, unknown)
	assert.Equal(t, []string{"ods_code"}, fieldsOf(t, r))
	refused(400, "malformed_request", "POST", "/v1/governance-bodies", &admin, map[string]any{"body_id": "ib-5k5"})
	s.must(201, "POST", "/v1/governance-bodies", &admin, board)
	refused(422, "governance_body_out_of_order", "POST", "/v1/governance-bodies", &admin, board)
	oneBody := s.head()
	s.must(201, "POST", "/v1/governance-bodies", &admin, map[string]any{"body_id": "pb-brent", "name": "Brent LHC Programme Board", "lhc_id": "lhc-brent",
		"kind": "lhc_programme_board", "chair_person_id": pct.PersonID, "terms_of_reference_sha256": tor, "effective_from": "2009-01-01"})
	bodies := s.must(200, "GET", "/v1/governance-bodies?min_position="+itoa(s.head()), &auditor, nil)["governance_bodies"].([]any)
	require.Len(t, bodies, 2)
	assert.Equal(t, "ib-5k5", bodies[0].(map[string]any)["body_id"])
	then := s.must(200, "GET", "/v1/governance-bodies?as_of="+itoa(oneBody), &auditor, nil)
	assert.Len(t, then["governance_bodies"], 1, "as of before the programme board")
	assert.EqualValues(t, oneBody, then["as_of_position"])
	assert.EqualValues(t, oneBody, then["tree_size"])
	assert.NotEmpty(t, then["as_of"])

	// A plan; its chief executives sign only after their boards approved that version.
	clock.set(time.Date(2009, 7, 1, 9, 0, 0, 0, time.UTC))
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	path := "/v1/plans/" + sub["plan_id"].(string)
	hash := contentHash(t, sampleContent(t))
	sign := map[string]any{"version": 1, "statement": "As SRO I confirm this plan", "content_hash": hash}
	r = refused(422, "board_approval_missing", "POST", path+"/sro-signoffs", &cePCT, sign)
	assert.Contains(t, r.json(t)["detail"], "5K5")
	assert.Equal(t, []string{"version"}, fieldsOf(t, r), "the version no board has approved")
	approval := func(body string) map[string]any {
		return map[string]any{"version": 1, "body_id": body, "meeting_date": "2009-07-01", "minute_ref": "IB/09/07/3", "document_sha256": strings.Repeat("cd", 32)}
	}
	early := approval("ib-5k5")
	early["meeting_date"] = "2009-06-30"
	r = refused(422, "invalid_command", "POST", path+"/board-approvals", &cePCT, early)
	assert.Equal(t, []string{"meeting_date"}, fieldsOf(t, r), "a meeting before the version was submitted")
	early["meeting_date"] = 20090701
	r = refused(400, "malformed_request", "POST", path+"/board-approvals", &cePCT, early)
	assert.Equal(t, []string{"meeting_date"}, fieldsOf(t, r), "a number for a date")
	refused(403, "role_not_allowed", "POST", path+"/board-approvals", &assurer, approval("ib-5k5"))
	refused(422, "unknown_governance_body", "POST", path+"/board-approvals", &cePCT, approval("ib-nowhere"))
	refused(422, "unknown_governance_body", "POST", path+"/board-approvals", &ceRJ1, approval("ib-5k5"))
	outsider := domain.Actor{PersonID: "ce-q36", Name: "Outsider", Role: domain.RoleChiefExecutive, Org: "Q36"}
	r = refused(403, "not_signatory", "POST", path+"/board-approvals", &outsider, approval("ib-5k5"))
	assert.Equal(t, []string{"org"}, fieldsOf(t, r), "the token's organisation is what is refused")
	r = refused(403, "not_lhc_member", "POST", path+"/delivery-reports", &domain.Actor{PersonID: "pr-x", Name: "X", Role: domain.RoleProvider, Org: "RJ2"},
		map[string]any{"item": "national_programmes.scr", "status": "in_progress"})
	assert.Equal(t, []string{"org"}, fieldsOf(t, r))
	s.must(201, "POST", path+"/board-approvals", &cePCT, approval("ib-5k5"))
	r = refused(409, "already_approved", "POST", path+"/board-approvals", &cePCT, approval("ib-5k5"))
	assert.Equal(t, []string{"body_id"}, fieldsOf(t, r))
	s.must(201, "POST", path+"/sro-signoffs", &cePCT, sign)
	s.must(201, "POST", path+"/board-approvals", &ceRJ1, approval("pb-brent"))
	signed := s.must(201, "POST", path+"/sro-signoffs", &ceRJ1, sign)

	st := s.must(200, "GET", path+"?min_position="+pos(signed), &auditor, nil)
	require.Len(t, st["board_approvals"], 2)
	assert.Equal(t, hash, st["board_approvals"].([]any)[0].(map[string]any)["content_hash"], "the body approved the version's content")
	assert.Len(t, st["versions"].([]any)[0].(map[string]any)["board_approvals"], 2)

	ev := s.must(200, "GET", "/v1/organisations/RJ1/sro-evidence", &auditor, nil)
	var ids []string
	for _, b := range ev["governance_bodies"].([]any) {
		ids = append(ids, b.(map[string]any)["body_id"].(string))
	}
	assert.Equal(t, []string{"pb-brent"}, ids, "RJ1's own boards (none) and its LHC's")
	assert.Equal(t, "pb-brent", ev["signoffs"].([]any)[0].(map[string]any)["board_approval"].(map[string]any)["body_id"])
	rb := s.do("GET", "/v1/organisations/5K5/sro-evidence?format=bundle&min_position="+pos(signed), &cePCT, nil)
	require.Equal(t, 200, rb.status, string(rb.body))
	bundle, err := evidence.Parse(rb.body)
	require.NoError(t, err)
	res := evidence.Verify(bundle, s.key.PublicKey())
	require.True(t, res.OK(), "%v", res.Findings)
	require.Len(t, bundle.SignOffs, 1)
	assert.NotEmpty(t, bundle.SignOffs[0].BoardApprovalEventID)
	assert.NotEmpty(t, bundle.SignOffs[0].BodyEventID)

	// Delivery reports: by the lead PCT or a member provider, after the fact.
	clock.set(time.Date(2010, 1, 20, 9, 0, 0, 0, time.UTC))
	before := s.head()
	live := map[string]any{"item": "clinical5.pas_reporting.interim", "status": "live", "actual_date": "2010-01-10"}
	refused(403, "role_not_allowed", "POST", path+"/delivery-reports", &assurer, live)
	r = refused(422, "invalid_command", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "clinical5.pas", "status": "live", "actual_date": "2010-01-10"})
	assert.Equal(t, []string{"item"}, fieldsOf(t, r))
	r = refused(422, "invalid_command", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "clinical5.pas_reporting.interim", "status": "live", "actual_date": "2010-02-01"})
	assert.Equal(t, []string{"actual_date"}, fieldsOf(t, r))
	refused(400, "malformed_request", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "clinical5.pas_reporting.interim"})
	s.must(201, "POST", path+"/delivery-reports", &pct, live)
	s.must(201, "POST", path+"/delivery-reports", &provider, map[string]any{"item": "clinical5.order_comms.strategic", "status": "in_progress", "actual_date": "2010-01-04", "note": "Build under way."})
	refused(422, "reason_required", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "clinical5.pas_reporting.interim", "status": "in_progress"})
	r = refused(422, "no_change", "POST", path+"/delivery-reports", &pct, live)
	assert.Equal(t, []string{"status"}, fieldsOf(t, r))
	r = refused(422, "reason_required", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "national_programmes.eps_r2", "status": "live", "actual_date": "2000-01-01"})
	assert.Equal(t, []string{"note"}, fieldsOf(t, r), "a date before the plan's period needs a reason")
	r = refused(400, "malformed_request", "POST", path+"/delivery-reports", &pct, map[string]any{"item": "national_programmes.eps_r2", "status": "live", "actual_date": "2010-02-30"})
	assert.Equal(t, []string{"actual_date"}, fieldsOf(t, r), "an impossible date")
	last := s.must(201, "POST", path+"/delivery-reports", &pct, map[string]any{"item": "national_programmes.scr", "status": "in_progress"})
	assert.Equal(t, 1.0, s.must(200, "GET", path+"?min_position="+pos(last), &auditor, nil)["version"], "a report starts no version")

	d := s.must(200, "GET", path+"/delivery?min_position="+pos(last), &auditor, nil)
	items := d["items"].([]any)
	require.Len(t, items, len(domain.DeliveryItems))
	pas := items[0].(map[string]any)
	assert.Equal(t, "live", pas["status"])
	assert.Equal(t, "2010-01-10", pas["actual_date"])
	assert.Equal(t, 10.0, pas["slippage_days"], "live ten days after 2009-12-31")
	assert.Equal(t, false, pas["overdue"])
	gp2gp := items[len(items)-2].(map[string]any)
	assert.Equal(t, "national_programmes.gp2gp", gp2gp["item"])
	assert.Equal(t, true, gp2gp["overdue"], "due 2009-12-31, not live")
	assert.Len(t, d["reports"], 3)
	past := s.must(200, "GET", path+"/delivery?as_of="+itoa(before), &auditor, nil)
	assert.Equal(t, "planned", past["items"].([]any)[0].(map[string]any)["status"], "before the report")
	assert.Empty(t, past["reports"])
	requireProblem(t, s.do("GET", "/v1/plans/0b5a8f4e-3c1d-4a2b-9e7f-1a2b3c4d5e6f/delivery", &auditor, nil), 404, "plan_not_found")

	rep := s.must(200, "GET", "/v1/reports/delivery?round=2009-10&sha=Q36", &auditor, nil)
	rows := rep["by_sha"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, 1.0, row["plans"])
	first := row["items"].([]any)[0].(map[string]any)
	assert.Equal(t, 1.0, first["live"])
	assert.Equal(t, 1.0, first["share_live"])
	rc := s.do("GET", "/v1/reports/delivery?round=2009-10", &auditor, nil, "Accept", "text/csv")
	require.Equal(t, 200, rc.status)
	recs, err := csv.NewReader(strings.NewReader(string(rc.body))).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, "item", recs[0][7])
	assert.Len(t, recs, 1+len(domain.DeliveryItems), "one SHA, a row per item")

	fund := s.must(200, "GET", "/v1/reports/funding?round=2009-10", &auditor, nil)["by_sha"].([]any)[0].(map[string]any)
	assert.Equal(t, 4200000.0, fund["capital"])
	years := fund["by_year"].([]any)
	require.Len(t, years, 3)
	var capital float64
	for _, y := range years {
		capital += y.(map[string]any)["capital"].(float64)
	}
	assert.Equal(t, 4200000.0, capital, "the years sum to the total")
	assert.Equal(t, 5.0, fund["strategic_sources"].(map[string]any)["npfit"])
	assert.Equal(t, 1.0, fund["strategic_share"].(map[string]any)["npfit"])
	assert.Equal(t, 14.5, fund["informatics_wte_current"])
	assert.Equal(t, 1.0, fund["staffed_plans"])
	// The funding CSV: the SHA's totals row, then a row per year whose money sums to them, with
	// the columns the JSON has (money by source, staff, strategic sources and shares).
	fh, frows := csvRecords(t, s, "/v1/reports/funding?round=2009-10")
	require.Len(t, frows, 1+len(years), "the totals row and one per year")
	cell := func(row []string, name string) string {
		i := slices.Index(fh, name)
		require.GreaterOrEqual(t, i, 0, "column %s", name)
		return row[i]
	}
	totals := frows[0]
	assert.Equal(t, []string{"", "4200000", "14.5", "18", "5", "1", "0"}, []string{cell(totals, "financial_year"), cell(totals, "capital"),
		cell(totals, "informatics_wte_current"), cell(totals, "informatics_wte_required"), cell(totals, "strategic_npfit"),
		cell(totals, "strategic_share_npfit"), cell(totals, "strategic_share_local")})
	var bySource, byYear float64
	for _, src := range domain.FundingSources {
		bySource += mustFloat(t, cell(totals, "capital_"+src))
	}
	for _, r := range frows[1:] {
		assert.NotEmpty(t, cell(r, "financial_year"))
		assert.Equal(t, "", cell(r, "informatics_wte_current"), "staff are the totals row's, not repeated per year")
		byYear += mustFloat(t, cell(r, "capital"))
	}
	assert.Equal(t, 4200000.0, bySource, "the sources' capital sums to the total")
	assert.Equal(t, 4200000.0, byYear, "the years' capital sums to the total")
	assert.Equal(t, "tree_size", fh[len(fh)-1])

	tr := s.must(200, "GET", "/v1/reports/transparency?round=2009-10", &auditor, nil)["by_sha"].([]any)[0].(map[string]any)
	assert.Equal(t, 90.25, tr["nhs_number_current_avg"])
	assert.Equal(t, 1.0, tr["organisations_below_ig_level_2"], "RJ1 at level 1")
	assert.Equal(t, 1.0, tr["plans_with_eps_r2_in_period"])
	assert.Equal(t, 0.0, tr["plans_with_scr_live"])
	assert.Equal(t, 4200000.0, tr["capital"])
	assert.Equal(t, 1.0, tr["organisations_with_governance_body"], "5K5's board; RJ1 has none of its own")
	tc := s.do("GET", "/v1/reports/transparency?round=2009-10", &auditor, nil, "Accept", "text/csv")
	trecs, err := csv.NewReader(strings.NewReader(string(tc.body))).ReadAll()
	require.NoError(t, err)
	header := trecs[0]
	assert.Equal(t, "tree_size", header[len(header)-1], "the cut's tree size stays the last column")
	assert.Equal(t, "organisations_with_governance_body", header[len(header)-2])
	i := slices.Index(header, "nhs_number_current_avg")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "90.25", trecs[1][i])
}

// A sign-off's board approval in SRO evidence is one recorded before it: an approval recorded
// after a sign-off (in a round that does not ask for one first) supported nothing at the time, and
// the organisation's evidence bundle, built from the same events, does not show it either.
func TestSROEvidenceShowsOnlyApprovalsBeforeTheSignOff(t *testing.T) {
	clock := &testClock{t: time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)}
	s := startServerWith(t, t.TempDir(), command.Options{Clock: clock.now})
	s.setUpRegistry() // round 2009-10 does not ask for approval
	s.must(201, "POST", "/v1/governance-bodies", &admin, map[string]any{"body_id": "ib-5k5", "name": "Brent Teaching PCT Informatics Board",
		"ods_code": "5K5", "kind": "organisation_informatics_board", "chair_person_id": cePCT.PersonID,
		"terms_of_reference_sha256": strings.Repeat("ab", 32), "effective_from": "2008-10-01"})
	clock.set(time.Date(2009, 7, 1, 9, 0, 0, 0, time.UTC))
	path := "/v1/plans/" + s.must(201, "POST", "/v1/plans", &pct, submitBody(t))["plan_id"].(string)
	s.must(201, "POST", path+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO I confirm this plan",
		"content_hash": contentHash(t, sampleContent(t))})
	clock.set(time.Date(2009, 7, 20, 9, 0, 0, 0, time.UTC))
	late := s.must(201, "POST", path+"/board-approvals", &cePCT, map[string]any{"version": 1, "body_id": "ib-5k5", "meeting_date": "2009-07-20",
		"minute_ref": "IB/09/07/9", "document_sha256": strings.Repeat("cd", 32)})

	st := s.must(200, "GET", path+"?min_position="+pos(late), &auditor, nil)
	require.Len(t, st["board_approvals"], 1, "the approval is recorded on the plan")
	ev := s.must(200, "GET", "/v1/organisations/5K5/sro-evidence?min_position="+pos(late), &auditor, nil)
	signoffs := ev["signoffs"].([]any)
	require.Len(t, signoffs, 1)
	assert.Nil(t, signoffs[0].(map[string]any)["board_approval"], "an approval recorded after the sign-off is not its approval")

	rb := s.do("GET", "/v1/organisations/5K5/sro-evidence?format=bundle&min_position="+pos(late), &cePCT, nil)
	require.Equal(t, 200, rb.status, string(rb.body))
	bundle, err := evidence.Parse(rb.body)
	require.NoError(t, err)
	require.True(t, evidence.Verify(bundle, s.key.PublicKey()).OK())
	require.Len(t, bundle.SignOffs, 1)
	assert.Empty(t, bundle.SignOffs[0].BoardApprovalEventID, "the bundle agrees")
}

// As of a time before the first event the delivery report is empty, and still says the day it
// counts overdue items on: the day asked about, as its schema's non-null `on` promises.
func TestDeliveryReportBeforeTheFirstEventNamesItsDay(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	for _, accept := range []string{"application/json", "text/csv"} {
		r := s.do("GET", "/v1/reports/delivery?as_of=2000-01-02T10:00:00Z", &auditor, nil, "Accept", accept)
		require.Equal(t, 200, r.status, string(r.body))
		if accept == "text/csv" {
			assert.Equal(t, 1, strings.Count(string(r.body), "\n"), "a header and no rows")
			continue
		}
		rep := r.json(t)
		assert.Equal(t, "2000-01-02", rep["on"])
		assert.Empty(t, rep["by_sha"])
		assert.EqualValues(t, 0, rep["as_of_position"])
	}
}
