package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pos(m map[string]any) string { return fmt.Sprint(int64(m["position"].(float64))) }

// TestLifecycleOverHTTP drives a plan through its whole governance chain and checks every read
// model, now and as of each step, and that a restart rebuilds identical projections.
func TestLifecycleOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	content := sampleContent(t)
	hash := contentHash(t, content)

	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	id := sub["plan_id"].(string)
	plan := "/v1/plans/" + id
	get := func(query string) map[string]any { return s.must(200, "GET", plan+query, &auditor, nil) }
	st := get("?min_position=" + pos(sub))
	assert.Equal(t, "submitted", st["status"])
	assert.Equal(t, float64(1), st["version"])
	assert.Equal(t, hash, st["content_hash"])
	assert.Equal(t, "Q36", st["sha_code"])

	positions := map[string]string{"submitted": pos(sub)}
	record := func(name string, m map[string]any) {
		positions[name] = pos(m)
	}
	record("contributed", s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms at both sites"}))
	st = get("?min_position=" + positions["contributed"])
	assert.Equal(t, []any{"RJ1"}, st["contributors"])
	assert.Equal(t, []any{"5K5", "RJ1"}, st["outstanding_signoffs"])

	record("pct signed", s.must(201, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO I confirm this plan", "content_hash": hash}))
	assert.Equal(t, "submitted", get("?min_position=" + positions["pct signed"])["status"])
	record("signed", s.must(201, "POST", plan+"/sro-signoffs", &ceRJ1, map[string]any{"version": 1, "statement": "As SRO I confirm", "content_hash": hash}))
	assert.Equal(t, "signed_off", get("?min_position=" + positions["signed"])["status"])

	status := s.must(200, "GET", "/v1/shas/Q36/assurance-status?min_position="+positions["signed"], &assurer, nil)
	lhcs := status["lhcs"].([]any)
	require.Len(t, lhcs, 1)
	waiting := lhcs[0].(map[string]any)["plans"].([]any)[0].(map[string]any)["outstanding"].([]any)
	assert.Equal(t, "sha_assurance", waiting[0].(map[string]any)["action"])
	assert.Equal(t, "Q36", waiting[0].(map[string]any)["from"])

	// The handler's clock is the real one, long past this 2009 plan's period: no condition could
	// fall due within it (TestAssuranceProcessOverHTTP, on a clock of its own, attaches them).
	record("assured", s.must(201, "POST", plan+"/assurances", &assurer, map[string]any{
		"version": 1, "outcome": "assured", "criteria": []map[string]any{{"id": "c5", "rating": "green", "note": "clear"}, {"id": "ig", "rating": "green"}},
		"reflected_in_pfit_plan": true, "pfit": "london"}))
	assert.Equal(t, "assured", get("?min_position=" + positions["assured"])["status"])
	record("acknowledged", s.must(201, "POST", plan+"/acknowledgements", &cfh, map[string]any{"version": 1, "note": "Noted by CfH"}))
	st = get("?min_position=" + positions["acknowledged"])
	assert.Equal(t, "acknowledged", st["status"])
	assert.Equal(t, true, st["acknowledged"])

	// A new chief executive at the provider, from now (not before the sign-off the first made),
	// then a revision that needs fresh sign-offs.
	s.must(201, "POST", "/v1/organisations/RJ1/chief-executive", &admin, map[string]any{"person_id": ceRJ1Next.PersonID, "name": ceRJ1Next.Name, "effective_from": time.Now().UTC().Format(time.RFC3339Nano)})
	revised := content
	revised["data_quality"] = "Weekly SUS data quality dashboard reviewed by the informatics board."
	hash2 := contentHash(t, revised)
	record("revised", s.must(201, "POST", plan+"/revisions", &pct, map[string]any{"content": revised, "reason": "CfH condition: data quality cadence"}))
	st = get("?min_position=" + positions["revised"])
	assert.Equal(t, "submitted", st["status"])
	assert.Equal(t, float64(2), st["version"])
	assert.Equal(t, hash2, st["content_hash"])
	assert.Nil(t, st["assurance"])

	s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "data_quality", "summary": "Trust DQ team joins the weekly review"})
	old := s.must(422, "POST", plan+"/sro-signoffs", &ceRJ1, map[string]any{"version": 2, "statement": "x", "content_hash": hash2})
	assert.Equal(t, "not_chief_executive", old["code"])
	stale := s.must(422, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 2, "statement": "x", "content_hash": hash})
	assert.Equal(t, "content_hash_mismatch", stale["code"])
	s.must(201, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 2, "statement": "As SRO I confirm version 2", "content_hash": hash2})
	record("re-signed", s.must(201, "POST", plan+"/sro-signoffs", &ceRJ1Next, map[string]any{"version": 2, "statement": "As SRO I confirm version 2", "content_hash": hash2}))
	st = get("?min_position=" + positions["re-signed"])
	assert.Equal(t, "signed_off", st["status"])
	assert.Len(t, st["signoffs"], 4, "earlier versions' sign-offs stay in history")
	assert.Len(t, st["versions"], 2)

	// As of each earlier step, the plan is as it was then.
	for name, want := range map[string]string{"submitted": "submitted", "pct signed": "submitted", "signed": "signed_off",
		"assured": "assured", "acknowledged": "acknowledged", "revised": "submitted", "re-signed": "signed_off"} {
		then := get("?as_of=" + positions[name])
		assert.Equal(t, want, then["status"], "as of %s", name)
	}
	assert.Equal(t, float64(1), get("?as_of=" + positions["acknowledged"])["version"])
	before := s.do("GET", plan+"?as_of=1", &auditor, nil)
	assert.Equal(t, 404, before.status, "the plan did not exist at position 1")

	// The audit trail is the stream, oldest first, chained.
	trail := s.must(200, "GET", plan+"/audit-trail", &auditor, nil)
	entries := trail["entries"].([]any)
	var types []string
	prev := strings.Repeat("0", 64)
	for _, e := range entries {
		m := e.(map[string]any)
		types = append(types, m["type"].(string))
		assert.Equal(t, prev, m["prev_hash"])
		prev = m["hash"].(string)
	}
	assert.Equal(t, []string{"PlanSubmitted", "ContributionRecorded", "SROSignedOff", "SROSignedOff", "AssuranceRecorded",
		"CfHAcknowledged", "PlanRevised", "ContributionRecorded", "SROSignedOff", "SROSignedOff"}, types)
	first := entries[0].(map[string]any)
	assert.Equal(t, "pc-1", first["actor"].(map[string]any)["person_id"])

	// As of a time: the recorded_at of the assurance event.
	assuredAt := entries[4].(map[string]any)["recorded_at"].(string)
	assert.Equal(t, "assured", get("?as_of=" + assuredAt)["status"])

	// SRO evidence: the first chief executive's sign-off was superseded by version 2.
	ev := s.must(200, "GET", "/v1/organisations/RJ1/sro-evidence", &ceRJ1Next, nil)
	signoffs := ev["signoffs"].([]any)
	require.Len(t, signoffs, 2)
	v1, v2 := signoffs[0].(map[string]any), signoffs[1].(map[string]any)
	assert.Equal(t, "ce-rj1", v1["person_id"])
	assert.Equal(t, "Ron Chief", v1["person_name"])
	assert.Equal(t, hash, v1["content_hash"])
	assert.Equal(t, true, v1["superseded"])
	assert.Equal(t, float64(2), v1["superseded_by_version"])
	assert.Equal(t, "assured", v1["assurance"].(map[string]any)["outcome"])
	assert.Equal(t, "ce-rj1-b", v2["person_id"])
	assert.Equal(t, false, v2["superseded"])
	assert.Nil(t, v2["assurance"])

	// The transparency report, now and as of the acknowledgement.
	rep := s.must(200, "GET", "/v1/reports/transparency?round=2009-10", &auditor, nil)
	assert.Equal(t, float64(1), rep["totals"].(map[string]any)["plans"])
	assert.Equal(t, float64(1), rep["totals"].(map[string]any)["signed_off"])
	bySHA := rep["by_sha"].([]any)
	require.Len(t, bySHA, 2, "every registered SHA has a row")
	assert.Equal(t, "Q30", bySHA[0].(map[string]any)["sha_code"])
	assert.Equal(t, float64(0), bySHA[0].(map[string]any)["plans"])
	london := bySHA[1].(map[string]any)
	assert.Equal(t, float64(1), london["sro_signoff_rate"])
	assert.NotNil(t, london["median_days_submit_to_assurance"])
	then := s.must(200, "GET", "/v1/reports/transparency?as_of="+positions["acknowledged"], &auditor, nil)
	assert.Equal(t, float64(1), then["totals"].(map[string]any)["acknowledged"])
	assert.Equal(t, float64(0), then["totals"].(map[string]any)["signed_off"])
	early := s.must(200, "GET", "/v1/reports/transparency?as_of="+positions["pct signed"], &auditor, nil)
	assert.Equal(t, 0.5, early["by_sha"].([]any)[1].(map[string]any)["sro_signoff_rate"], "one of two required sign-offs")

	csv := s.do("GET", "/v1/reports/transparency", &auditor, nil, "Accept", "text/csv")
	require.Equal(t, 200, csv.status)
	assert.Equal(t, "text/csv; charset=utf-8", csv.header.Get("Content-Type"))
	lines := strings.Split(strings.TrimSpace(string(csv.body)), "\n")
	require.Len(t, lines, 4, "header, two SHAs, totals")
	assert.True(t, strings.HasPrefix(lines[0], "round,as_of,as_of_position,sha_code,name,plans,submitted,signed_off"))
	assert.True(t, strings.HasSuffix(lines[0], ",tree_size"), "the cut's tree size is the last column: %s", lines[0])
	assert.Contains(t, lines[2], "Q36,NHS London,1,0,1,")

	// A restart rebuilds the projections from the log: every view is identical.
	views := []string{plan, plan + "?as_of=" + positions["assured"], "/v1/plans", "/v1/organisations", "/v1/lhcs",
		"/v1/reports/transparency", "/v1/shas/Q36/assurance-status", "/v1/organisations/RJ1/sro-evidence", plan + "/audit-trail"}
	beforeRestart := map[string]string{}
	for _, v := range views {
		beforeRestart[v] = string(s.do("GET", v, &auditor, nil).body)
	}
	s = s.restart()
	for _, v := range views {
		assert.JSONEq(t, beforeRestart[v], string(s.do("GET", v, &auditor, nil).body), v)
	}
}
