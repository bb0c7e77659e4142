package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
)

// Any RFC 3339 time is an answer "as of": before the first event the empty ledger (position 0), after
// the last the present. Times outside 1678-2262 used to wrap: 1425 gave the ledger of the day it was
// asked, 9999 an empty one.
func TestAsOfAnyTimeOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	now := s.must(200, "GET", plan+"?min_position="+pos(sub), &auditor, nil)

	for _, at := range []string{"0001-01-01T00:00:00Z", "1425-01-01T00:00:00Z", "1677-09-21T00:12:43Z"} {
		p := s.must(404, "GET", plan+"?as_of="+at, &auditor, nil)
		assert.Equal(t, "plan_not_found", p["code"], at)
		assert.Contains(t, p["detail"], "as of position 0", at)
		rep := s.must(200, "GET", "/v1/reports/transparency?as_of="+at, &auditor, nil)
		assert.Equal(t, []any{}, rep["by_sha"], at)
		assert.Equal(t, float64(0), rep["totals"].(map[string]any)["plans"], at)
	}
	for _, at := range []string{"2262-04-11T23:47:17Z", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59%2B14:00"} {
		st := s.must(200, "GET", plan+"?as_of="+at, &auditor, nil)
		assert.Equal(t, now["revision"], st["revision"], at)
		assert.Equal(t, now["content_hash"], st["content_hash"], at)
		assert.Equal(t, float64(s.head()), st["as_of_position"], at)
		rep := s.must(200, "GET", "/v1/reports/transparency?as_of="+at, &auditor, nil)
		assert.Equal(t, float64(1), rep["totals"].(map[string]any)["plans"], at)
	}
}

// "As of" takes every valid RFC 3339 time, a leap second included (2016-12-31T23:59:60Z was 400),
// and a position the contract's int64 can hold, digits only: 18446744073709551615 was accepted and
// echoed back as as_of_position, and "+5" (a query's "+" is a space) read as 5. A position past
// the head answers the present and names the head.
func TestAsOfLeapSecondsAndPositionsOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	now := s.must(200, "GET", plan+"?min_position="+pos(sub), &auditor, nil)
	head := float64(s.head())

	for _, at := range []string{"2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2016-12-31T18:59:60-05:00"} {
		p := s.must(404, "GET", plan+"?as_of="+url.QueryEscape(at), &auditor, nil)
		assert.Contains(t, p["detail"], "as of position 0", at)
		rep := s.must(200, "GET", "/v1/reports/transparency?as_of="+url.QueryEscape(at), &auditor, nil)
		assert.Equal(t, float64(0), rep["as_of_position"], at)
	}
	for _, at := range []string{"9998-12-31T23:59:60Z", "9223372036854775807", fmt.Sprint(s.head() + 1)} {
		st := s.must(200, "GET", plan+"?as_of="+url.QueryEscape(at), &auditor, nil)
		assert.Equal(t, now["revision"], st["revision"], at)
		assert.Equal(t, head, st["as_of_position"], at)
		rep := s.must(200, "GET", "/v1/reports/transparency?as_of="+url.QueryEscape(at), &auditor, nil)
		assert.Equal(t, head, rep["as_of_position"], at)
	}
	for _, raw := range []string{"18446744073709551615", "9223372036854775808", "+5", "%205", "5%20", "-1", "0", "", "2016-12-31T23:58:60Z", "2016-12-31T23:59:61Z"} {
		for _, path := range []string{plan, "/v1/reports/transparency"} {
			r := s.do("GET", path+"?as_of="+raw, &auditor, nil)
			requireProblem(t, r, http.StatusBadRequest, "malformed_request")
			assert.Equal(t, "as_of", r.json(t)["errors"].([]any)[0].(map[string]any)["field"], "%s?as_of=%s", path, raw)
		}
	}
}

// Every signed-in role reads every governance fact, whatever organisation it acts for: a provider
// of another region used to get 403 on an SHA's status and an organisation's SRO evidence, then
// rebuild the same facts from /v1/plans?sha= and the audit trails. Writes keep their rules.
func TestEveryRoleReadsEveryGovernanceFact(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	s.must(201, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO I confirm", "content_hash": contentHash(t, sampleContent(t))})
	reads := []string{
		"/v1/shas/Q36/assurance-status?min_position=" + fmt.Sprint(s.head()),
		"/v1/organisations/5K5/sro-evidence",
		"/v1/organisations/5K5/sro-evidence?format=bundle",
		"/v1/audit/events",
		plan + "/audit-trail",
		"/v1/plans?sha=Q36",
		"/v1/reports/transparency",
	}
	for _, role := range domain.Roles {
		outsider := domain.Actor{PersonID: "x-" + string(role), Name: "Olly Outsider", Role: role, Org: "RXX"}
		for _, path := range reads {
			r := s.do("GET", path, &outsider, nil)
			assert.Equal(t, 200, r.status, "%s reads %s: %s", role, path, r.body)
		}
	}
	other := domain.Actor{PersonID: "pr-9", Name: "Nora North", Role: domain.RoleProvider, Org: "RXX"}
	p := s.must(403, "POST", plan+"/contributions", &other, map[string]any{"section": "clinical5", "summary": "Not ours to add"})
	assert.Equal(t, "role_not_allowed", s.must(403, "POST", "/v1/lhcs", &other, map[string]any{})["code"])
	assert.Equal(t, "organisation_not_allowed", p["code"])
}

// Names and prose are recorded only as a reader will see them: no control, format or separator
// characters (prose keeps line feeds and tabs), nothing blank when rendered, and no organisation
// under a name that cannot be told from another's. A refusal writes nothing.
func TestDisplaySpoofingIsRefusedOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	head := s.head()
	spoofed := func(edit func(map[string]any)) map[string]any {
		c := sampleContent(t)
		edit(c)
		return map[string]any{"content": c, "reason": "spoofed"}
	}
	for _, tc := range []struct {
		name, path string
		actor      domain.Actor
		body       any
		status     int
		code       string
		field      string
	}{
		{"a look-alike name", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "NHS L\u043endon", "kind": "sha"}, 409, "organisation_name_taken", "name"},
		{"the same name in capitals", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "NHS LONDON", "kind": "sha"}, 409, "organisation_name_taken", "name"},
		{"a full-width name", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "ＮＨＳ London", "kind": "sha"}, 409, "organisation_name_taken", "name"},
		{"a right-to-left override", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "Trust \u202eTSURT", "kind": "sha"}, 422, "invalid_command", "name"},
		{"a name of fillers", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "\u3164\u3164", "kind": "sha"}, 422, "invalid_command", "name"},
		{"a blank braille name", "/v1/organisations", admin, map[string]any{"ods_code": "RZZ", "name": "\u2800", "kind": "sha"}, 422, "invalid_command", "name"},
		{"a zero-width chief executive", "/v1/organisations/RJ1/chief-executive", admin, map[string]any{"person_id": "ce-x", "name": "Ron\u200bChief", "effective_from": "2030-01-01"}, 422, "invalid_command", "name"},
		{"an isolate in content", plan + "/revisions", pct, spoofed(func(c map[string]any) { c["infrastructure"] = "N3 \u2067upgrade\u2069" }), 422, "invalid_content", "content.infrastructure"},
		{"a line separator in a summary", plan + "/contributions", provider, map[string]any{"section": "clinical5", "summary": "one\u2028two"}, 422, "invalid_command", "summary"},
		{"a byte order mark in a reason", plan + "/withdrawal", pct, map[string]any{"reason": "\ufeffgone"}, 422, "invalid_command", "reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", tc.path, &tc.actor, tc.body)
			assert.Equal(t, tc.status, r.status, "%s", r.body)
			p := r.json(t)
			assert.Equal(t, tc.code, p["code"])
			assert.Contains(t, fmt.Sprint(p["errors"]), "field:"+tc.field+" ")
		})
	}
	assert.Equal(t, head, s.head(), "nothing refused was recorded")
	s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Line one\n\tLine two: Zoë’s ✓"})
}

// A name may not hold what a reader of it cannot see: variation selectors, a braille blank, a
// noncharacter or a private-use character after or inside an existing organisation's name were
// registered (201) beside it. Each is refused naming the character, nothing is written, and prose
// keeps the variation selector an emoji takes.
func TestInvisibleCharactersInNamesAreRefusedOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	head := s.head()
	for i, name := range []string{
		"Brent Teaching PCT\ufe0f", "Brent Teaching P\ufe00CT", "Brent\u180b Teaching PCT", "Brent Teaching PCT\U000e0100",
		"Brent Teaching PCT\u2800", "Brent\u2800Teaching PCT", "Brent Teaching PCT\uffff", "Brent Teaching PCT\ue000",
		"Brent Teaching PCT\ufdd0", "Brent Teaching PCT\u0378",
	} {
		t.Run(fmt.Sprintf("%+q", name), func(t *testing.T) {
			r := s.do("POST", "/v1/organisations", &admin, map[string]any{"ods_code": fmt.Sprintf("ZZR%02d", i), "name": name, "kind": "pct", "sha_code": "Q36"})
			require.Equal(t, 422, r.status, "%s", r.body)
			p := r.json(t)
			assert.Equal(t, "invalid_command", p["code"])
			assert.Contains(t, fmt.Sprint(p["errors"]), "field:name ")
			assert.Regexp(t, `U\+[0-9A-F]{4,5} at character`, fmt.Sprint(p["errors"]))
		})
	}
	p := s.must(422, "POST", "/v1/organisations/RJ1/chief-executive", &admin, map[string]any{"person_id": "ce-x\ufe0f", "name": "Rex Chief", "effective_from": "2030-01-01"})
	assert.Contains(t, fmt.Sprint(p["errors"]), "field:person_id ")
	assert.Equal(t, head, s.head(), "nothing refused was recorded")

	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	p = s.must(422, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms\uffff"})
	assert.Contains(t, fmt.Sprint(p["errors"]), "field:summary ")
	s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms live \u2714\ufe0f"})
}

// A chief executive appointment may not take effect before a sign-off another person already made
// for the organisation: back-dated, it rewrote "who was chief executive on date D" under a sign-off
// that still showed as valid. It is refused (422, nothing written), before and after a restart, and
// one from after the sign-off is recorded.
func TestBackdatedAppointmentIsRefusedOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms"})
	signed := s.must(201, "POST", plan+"/sro-signoffs", &ceRJ1, map[string]any{"version": 1, "statement": "As SRO I confirm", "content_hash": contentHash(t, sampleContent(t))})
	backdated := map[string]any{"person_id": ceRJ1Next.PersonID, "name": ceRJ1Next.Name, "effective_from": "2009-01-01"}
	refused := func(srv *ledgerServer) {
		head := srv.head()
		p := srv.must(422, "POST", "/v1/organisations/RJ1/chief-executive", &admin, backdated)
		assert.Equal(t, "appointment_before_recorded_acts", p["code"])
		assert.Contains(t, p["detail"], signed["event_id"])
		assert.Equal(t, head, srv.head(), "nothing was written")
	}
	refused(s)
	s = s.restart() // a handler that has read nothing of the log yet
	refused(s)
	ev := s.must(200, "GET", "/v1/organisations/RJ1/sro-evidence", &auditor, nil)
	assert.Len(t, ev["chief_executives"], 1)
	s.must(201, "POST", "/v1/organisations/RJ1/chief-executive", &admin, map[string]any{"person_id": ceRJ1Next.PersonID, "name": ceRJ1Next.Name,
		"effective_from": time.Now().UTC().Format(time.RFC3339Nano)})
}

// An idempotency key is scoped to the person who sent it and to the request it came with; the
// audit trail publishes nothing another person can replay, and authorisation runs before a repeat
// is answered. Six unauthorised callers used to replay keys read from the trail and get someone
// else's 201, even for another command type.
func TestIdempotencyKeysAreThePersonsOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	const key = "5b0e8c1e-9a43-4d36-9d7e-2f1c0b7a6e11"
	body := submitBody(t)
	first := s.do("POST", "/v1/plans", &pct, body, "Idempotency-Key", key)
	require.Equal(t, 201, first.status, "%s", first.body)
	sub := first.json(t)
	plan := "/v1/plans/" + sub["plan_id"].(string)

	// The trail shows a derived id, neither the key nor anything replayable.
	trail := s.must(200, "GET", plan+"/audit-trail", &auditor, nil)
	published := trail["entries"].([]any)[0].(map[string]any)["command_id"].(string)
	assert.NotContains(t, published, key)
	assert.Regexp(t, `^k1:[0-9a-f]{32}:[0-9a-f]{32}$`, published)

	// The same person repeating the same request gets the first result, before and after a restart.
	for i, srv := range []*ledgerServer{s, nil} {
		if i == 1 {
			srv = s.restart()
			s = srv
		}
		again := srv.do("POST", "/v1/plans", &pct, body, "Idempotency-Key", key)
		assert.Equal(t, 201, again.status, "%s", again.body)
		assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		assert.Equal(t, sub["event_id"], again.json(t)["event_id"])
	}
	head := s.head()

	// The same key with another body for the same plan is refused, and writes nothing.
	other := submitBody(t)
	other["content"].(map[string]any)["data_quality"] = "Weekly SUS data quality dashboard."
	p := s.do("POST", "/v1/plans", &pct, other, "Idempotency-Key", key)
	assert.Equal(t, 422, p.status, "%s", p.body)
	assert.Equal(t, "idempotency_key_reused", p.json(t)["code"])

	// Anyone else's use of the key, or of what the trail published, is a new key: decided on its
	// own, never another's 201.
	colleague := domain.Actor{PersonID: "pc-2", Name: "Paul Colleague", Role: domain.RolePCTCommissioner, Org: "5K5"}
	for _, k := range []string{published, strings.Split(published, ":")[1], strings.Split(published, ":")[2]} {
		for _, who := range []domain.Actor{colleague, pct} {
			r := s.do("POST", "/v1/plans", &who, body, "Idempotency-Key", k)
			assert.Contains(t, []int{400, 409}, r.status, "%s: %s", k, r.body)
			assert.Empty(t, r.header.Get("Idempotent-Replayed"))
		}
	}
	for _, tc := range []struct {
		actor  domain.Actor
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{colleague, "POST", "/v1/plans", body, 409, "live_plan_exists"},
		{auditor, "POST", "/v1/plans", body, 403, "role_not_allowed"},
		{domain.Actor{PersonID: "pc-9", Name: "Far PCT", Role: domain.RolePCTCommissioner, Org: "5QA"}, "POST", "/v1/plans", body, 403, "organisation_not_allowed"},
		{provider, "POST", plan + "/withdrawal", map[string]any{"reason": "mine now"}, 403, "role_not_allowed"},
		{colleague, "POST", plan + "/withdrawal", map[string]any{"reason": "x"}, 201, ""},
	} {
		r := s.do(tc.method, tc.path, &tc.actor, tc.body, "Idempotency-Key", key)
		assert.Equal(t, tc.status, r.status, "%s %s as %s: %s", tc.method, tc.path, tc.actor.PersonID, r.body)
		assert.Empty(t, r.header.Get("Idempotent-Replayed"), "%s", tc.actor.PersonID)
		if tc.code != "" {
			assert.Equal(t, tc.code, r.json(t)["code"])
		}
	}
	assert.Equal(t, head+1, s.head(), "only the colleague's own withdrawal was recorded")
}

// A person's idempotency key names one request across the ledger: the same key and body withdrew
// plan A and then plan B (201 twice). The same key with another method, path or body is refused on
// whichever stream it lands (422, nothing written), after authorisation, and also after a restart;
// the first request's repeat still gets its result; another person's use is a new key. Two
// different Idempotency-Key headers are refused rather than the first one used.
func TestIdempotencyKeyNamesOneRequestLedgerWide(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	const key = "7c4f2a9e-1b3d-4e5f-8a6b-9c0d1e2f3a4b"
	withdrawal := map[string]any{"reason": "Superseded by the LHC's joint plan"}
	a := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	first := s.do("POST", "/v1/plans/"+a["plan_id"].(string)+"/withdrawal", &pct, withdrawal, "Idempotency-Key", key)
	require.Equal(t, 201, first.status, "%s", first.body)
	b := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	planB := "/v1/plans/" + b["plan_id"].(string)

	refused := func(srv *ledgerServer) {
		t.Helper()
		head := srv.head()
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"POST", planB + "/withdrawal", withdrawal},                                                // the same body, another plan
			{"POST", planB + "/revisions", map[string]any{"content": sampleContent(t), "reason": "r"}}, // another command
			{"POST", "/v1/plans", submitBody(t)},                                                       // a submission
		} {
			r := srv.do(tc.method, tc.path, &pct, tc.body, "Idempotency-Key", key)
			assert.Equal(t, 422, r.status, "%s %s: %s", tc.method, tc.path, r.body)
			assert.Equal(t, "idempotency_key_reused", r.json(t)["code"], "%s", r.body)
			assert.Empty(t, r.header.Get("Idempotent-Replayed"))
		}
		// Authorisation comes first: the same person acting as an auditor is refused the role, not
		// told of the key.
		r := srv.do("POST", planB+"/withdrawal", &domain.Actor{PersonID: pct.PersonID, Name: pct.Name, Role: domain.RoleAuditor, Org: "5K5"}, withdrawal, "Idempotency-Key", key)
		assert.Equal(t, 403, r.status, "%s", r.body)
		// The first request's repeat is answered as before.
		again := srv.do("POST", "/v1/plans/"+a["plan_id"].(string)+"/withdrawal", &pct, withdrawal, "Idempotency-Key", key)
		assert.Equal(t, 201, again.status, "%s", again.body)
		assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		assert.Equal(t, first.json(t)["event_id"], again.json(t)["event_id"])
		assert.Equal(t, head, srv.head(), "nothing was written")
		live := srv.must(200, "GET", planB+"?min_position="+fmt.Sprint(srv.head()), &auditor, nil)
		assert.NotEqual(t, "withdrawn", live["status"], "plan B was not withdrawn")
	}
	refused(s)
	s = s.restart() // a handler that has read no key from the log yet
	refused(s)

	// Another person's use of the key is a new key.
	s.must(201, "POST", planB+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "x"}, "Idempotency-Key", key)

	// Two different keys on one request: refused before anything is decided.
	head := s.head()
	req, err := http.NewRequest("POST", s.http.URL+planB+"/contributions", strings.NewReader(`{"section":"clinical5","summary":"y"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token(t, provider))
	req.Header.Add("Idempotency-Key", "2f1e0d9c-8b7a-4655-a4b3-c2d1e0f9a8b7")
	req.Header.Add("Idempotency-Key", "3a2b1c0d-9e8f-4766-b5a4-d3c2b1a0f9e8")
	resp, err := s.http.Client().Do(req)
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	r := response{status: resp.StatusCode, header: resp.Header, body: raw}
	requireProblem(t, r, http.StatusBadRequest, "malformed_request")
	assert.Equal(t, "Idempotency-Key", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
	assert.Equal(t, head, s.head())
}

// Authorisation runs before a repeat is answered: a provider whose organisation has left the LHC
// is refused, not told its earlier result.
func TestIdempotentRepeatIsAuthorisedFirst(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	path := "/v1/plans/" + sub["plan_id"].(string) + "/contributions"
	const key = "0d9f3b59-3c0e-4f7a-a6d1-8d6e3f2b1c44"
	body := map[string]any{"section": "clinical5", "summary": "Order comms"}
	require.Equal(t, 201, s.do("POST", path, &provider, body, "Idempotency-Key", key).status)
	s.must(201, "PATCH", "/v1/lhcs/lhc-brent/members", &admin, map[string]any{"removed": []string{"RJ1"}})
	r := s.do("POST", path, &provider, body, "Idempotency-Key", key)
	assert.Equal(t, 403, r.status, "%s", r.body)
	assert.Equal(t, "not_lhc_member", r.json(t)["code"])
}

// heldReads holds every read of the registry stream until release is closed.
type heldReads struct {
	eventstore.Store
	arrived chan struct{} // told of each read held
	release chan struct{}
}

func (h heldReads) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if stream == domain.RegistryStream {
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.Store.ReadStream(ctx, stream, from, limit)
}

// Expensive reads (here evidence bundles, and a plan as of a time) run at most so many at once per
// person and in all; beyond that they are answered 429 with Retry-After before anything is read.
func TestExpensiveReadsAreBoundedPerPerson(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	s.must(201, "POST", "/v1/plans/"+sub["plan_id"].(string)+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO", "content_hash": contentHash(t, sampleContent(t))})
	s.waitForTree()
	held := heldReads{Store: s.store, arrived: make(chan struct{}, 4), release: make(chan struct{})}
	heads, err := ledgertree.OpenHeadLog(filepath.Join(t.TempDir(), ledgertree.HeadsFile), s.key)
	require.NoError(t, err)
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(s.store, command.Options{}), Projections: s.proj, Store: held,
		Tokens: auth.NewVerifier(secret, nil), Tree: s.tree, TreeSigner: s.key, Heads: heads, Reads: api.NewReadGate(1, 2)}))
	t.Cleanup(srv.Close)
	bundle := "/v1/organisations/5K5/sro-evidence?format=bundle"
	other := domain.Actor{PersonID: "au-2", Name: "Another Auditor", Role: domain.RoleAuditor, Org: "X26"}
	third := domain.Actor{PersonID: "au-3", Name: "A Third", Role: domain.RoleAuditor, Org: "X26"}
	statuses := make(chan int, 2)
	for _, a := range []domain.Actor{auditor, other} { // each admitted, each held
		go func() { statuses <- call(t, srv, "GET", bundle, token(t, a), nil).status }()
	}
	<-held.arrived
	<-held.arrived // two bundles are running
	for _, tc := range []struct {
		who  domain.Actor
		path string
	}{
		{auditor, bundle},
		{auditor, "/v1/plans/" + sub["plan_id"].(string) + "?as_of=1"},
		{third, bundle},
	} {
		r := call(t, srv, "GET", tc.path, token(t, tc.who), nil)
		requireProblem(t, r, 429, "too_many_expensive_reads")
		assert.Equal(t, "1", r.header.Get("Retry-After"))
	}
	assert.Equal(t, 200, call(t, srv, "GET", "/v1/plans/"+sub["plan_id"].(string), token(t, auditor), nil).status, "other reads go on")
	close(held.release)
	assert.Equal(t, 200, <-statuses)
	assert.Equal(t, 200, <-statuses)
	assert.Equal(t, 200, call(t, srv, "GET", bundle, token(t, auditor), nil).status, "a finished read leaves room")
}

// A plan's audit trail is paged: limit events at most (100 by default, 1000 at most), fewer when
// the page reaches 1 MiB, with a cursor and a next link; following the links reads the whole stream
// once, in order.
func TestAuditTrailIsPagedOverHTTP(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	id := sub["plan_id"].(string)
	plan := "/v1/plans/" + id
	wide := strings.Repeat("\U0001D538", 10_000) // 40 KB of text
	for v := 2; v <= 20; v++ {                   // 19 revisions of 120 KB: more than a page holds
		c := sampleContent(t)
		c["community_integration"], c["infrastructure"], c["information_governance"] = wide, wide, fmt.Sprint(v)+strings.Repeat("\U0001D538", 9_990)
		s.must(201, "POST", plan+"/revisions", &pct, map[string]any{"content": c, "reason": fmt.Sprint("revision ", v)})
		for range 5 {
			s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "a note"})
		}
	}
	total := 1 + 19*6

	walk := func(query string) (pages []int) {
		next := plan + "/audit-trail" + query
		want := uint64(0)
		for next != "" {
			page := s.must(200, "GET", next, &auditor, nil)
			entries := page["entries"].([]any)
			require.NotEmpty(t, entries)
			bytes := 0
			for _, e := range entries {
				m := e.(map[string]any)
				require.Equal(t, float64(want), m["revision"], "every event once, in order")
				raw, _ := json.Marshal(m["data"])
				bytes += len(raw)
				want++
			}
			assert.Less(t, bytes, 2<<20, "a page is bounded in bytes")
			pages = append(pages, len(entries))
			next = ""
			if n, ok := page["next"].(string); ok {
				next = n
				assert.Equal(t, float64(want), page["next_from_revision"])
			} else {
				assert.Nil(t, page["next_from_revision"])
			}
		}
		assert.Equal(t, uint64(total), want)
		return pages
	}
	for _, p := range walk("") {
		assert.LessOrEqual(t, p, 100, "100 by default")
	}
	tens := walk("?limit=10")
	assert.Equal(t, slices.Repeat([]int{10}, total/10), tens[:len(tens)-1])
	assert.Equal(t, total%10, tens[len(tens)-1])
	big := walk("?limit=1000")
	assert.Greater(t, len(big), 1, "a page of 1000 events is cut at 1 MiB: %v", big)

	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?from_revision=-1"} {
		requireProblem(t, s.do("GET", plan+"/audit-trail"+q, &auditor, nil), 400, "malformed_request")
	}
	past := s.must(200, "GET", plan+"/audit-trail?from_revision=100000", &auditor, nil)
	assert.Empty(t, past["entries"])
	assert.Nil(t, past["next"])
	s.must(404, "GET", "/v1/plans/"+uuid.NewString()+"/audit-trail", &auditor, nil)
}
