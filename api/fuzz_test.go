package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// commandRoutes are the command routes of docs/design.md section 7, each with an actor allowed to use it,
// so that fuzzed bodies get past authorisation to decoding and deciding. {plan} is a live plan; the
// routes after the withdrawal's are reached by fuzzed bodies only (no seed).
var commandRoutes = []struct {
	method, path string
	actor        domain.Actor
}{
	{"POST", "/v1/organisations", admin},
	{"POST", "/v1/organisations/5K5/chief-executive", admin},
	{"POST", "/v1/lhcs", admin},
	{"PATCH", "/v1/lhcs/lhc-brent/members", admin},
	{"POST", "/v1/plans", pct},
	{"POST", "/v1/plans/{plan}/revisions", pct},
	{"POST", "/v1/plans/{plan}/contributions", provider},
	{"POST", "/v1/plans/{plan}/sro-signoffs", cePCT},
	{"POST", "/v1/plans/{plan}/assurances", assurer},
	{"POST", "/v1/plans/{plan}/acknowledgements", cfh},
	{"POST", "/v1/plans/{plan}/withdrawal", pct},
	{"POST", "/v1/rounds", admin},
	{"POST", "/v1/rounds/2009-10/milestones", admin},
	{"POST", "/v1/pfits", admin},
	{"POST", "/v1/shas/Q36/pfit", admin},
	{"POST", "/v1/plans/{plan}/declines", provider},
	{"POST", "/v1/plans/{plan}/excusals", assurer},
	{"POST", "/v1/plans/{plan}/cfh-notes", cfh},
	{"POST", "/v1/plans/{plan}/conditions/c1/evidence", pct},
	{"POST", "/v1/plans/{plan}/conditions/c1/discharge", assurer},
	{"POST", "/v1/plans/{plan}/conditions/c1/lapse", assurer},
	{"POST", "/v1/shas/Q36/returns", assurer},
	{"POST", "/v1/shas/Q36/returns/0190f0c4-0000-7000-8000-000000000001/acknowledgement", cfh},
	{"POST", "/v1/plans/{plan}/delivery-reports", pct},
	{"POST", "/v1/governance-bodies", admin},
	{"POST", "/v1/plans/{plan}/board-approvals", cePCT},
}

// Every route that writes is fuzzed: a new command route without a row in commandRoutes fails here.
func TestEveryCommandRouteIsFuzzed(t *testing.T) {
	matches := func(template, path string) bool {
		ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
		if len(ts) != len(ps) {
			return false
		}
		for i := range ts {
			if !strings.HasPrefix(ts[i], ":") && ts[i] != ps[i] {
				return false
			}
		}
		return true
	}
	seen := 0
	for _, r := range api.New(api.Config{}).Routes() {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, echo.RouteNotFound:
			continue
		}
		seen++
		found := false
		for _, c := range commandRoutes {
			found = found || c.method == r.Method && matches(r.Path, c.path)
		}
		if !found {
			t.Errorf("%s %s has no row in commandRoutes (api/fuzz_test.go): FuzzCommandBodies never sends it a body", r.Method, r.Path)
		}
	}
	if seen < 20 {
		t.Fatalf("found %d command routes: the test no longer finds them", seen)
	}
}

// fuzzLedger is the real HTTP handler over a real store, set up once per fuzzing process with a
// registry and a submitted plan. Requests go straight to the handler: no sockets, so the fuzzer
// spends its time in decoding and deciding.
type fuzzLedger struct {
	handler http.Handler
	store   eventstore.Store
	tokens  map[string]string // by person id
	planID  string
}

func newFuzzLedger(f *testing.F) *fuzzLedger {
	f.Helper()
	store, err := boltstore.Open(filepath.Join(f.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	l := &fuzzLedger{
		handler: api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Store: store,
			Projections: projections.New(store, nil), Tokens: auth.NewVerifier(secret, nil)}),
		store: store, tokens: map[string]string{},
	}
	for _, a := range []domain.Actor{admin, pct, provider, cePCT, ceRJ1, assurer, cfh} {
		tok, err := auth.Mint(secret, a, time.Now(), 24*time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		l.tokens[a.PersonID] = tok
	}
	setUp := []struct {
		path  string
		actor domain.Actor
		body  any
	}{
		{"/v1/organisations", admin, map[string]any{"ods_code": "Q36", "name": "NHS London", "kind": "sha"}},
		{"/v1/organisations", admin, map[string]any{"ods_code": "X09", "name": "NHS Connecting for Health", "kind": "cfh"}},
		{"/v1/organisations", admin, map[string]any{"ods_code": "5K5", "name": "Brent Teaching PCT", "kind": "pct", "sha_code": "Q36"}},
		{"/v1/organisations", admin, map[string]any{"ods_code": "RJ1", "name": "Guy's and St Thomas'", "kind": "provider", "sha_code": "Q36"}},
		{"/v1/organisations/5K5/chief-executive", admin, map[string]any{"person_id": cePCT.PersonID, "name": cePCT.Name, "effective_from": "2008-04-01"}},
		{"/v1/organisations/RJ1/chief-executive", admin, map[string]any{"person_id": ceRJ1.PersonID, "name": ceRJ1.Name, "effective_from": "2008-04-01"}},
		{"/v1/lhcs", admin, map[string]any{"lhc_id": "lhc-brent", "name": "Brent LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}}},
		{"/v1/rounds", admin, roundBody("2009-10")},
		{"/v1/pfits", admin, map[string]any{"pfit_id": "london", "name": "London Programme for IT"}},
		{"/v1/shas/Q36/pfit", admin, map[string]any{"pfit_id": "london"}},
		{"/v1/plans", pct, fuzzSubmitBody(f)},
	}
	for _, s := range setUp {
		raw, _ := json.Marshal(s.body)
		rec := l.serve("POST", s.path, s.actor, raw, "", "")
		if rec.Code != http.StatusCreated {
			f.Fatalf("set-up %s: %d %s", s.path, rec.Code, rec.Body)
		}
		var res struct {
			PlanID string `json:"plan_id"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &res)
		if res.PlanID != "" {
			l.planID = res.PlanID
		}
	}
	return l
}

func fuzzContent(tb testing.TB) json.RawMessage {
	raw, err := os.ReadFile("testdata/plan-content.json")
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func fuzzSubmitBody(tb testing.TB) map[string]any {
	return map[string]any{"lhc_id": "lhc-brent", "round": "2009-10", "period": map[string]int{"first_year": 2009, "last_year": 2011}, "content": fuzzContent(tb)}
}

func mustMarshal(tb testing.TB, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func contentHashOf(tb testing.TB) string {
	var c domain.Content
	if err := json.Unmarshal(fuzzContent(tb), &c); err != nil {
		tb.Fatal(err)
	}
	h, err := eventcodec.ContentHash(c)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func (l *fuzzLedger) serve(method, path string, actor domain.Actor, body []byte, ifMatch, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, strings.ReplaceAll(path, "{plan}", l.planID), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.tokens[actor.PersonID])
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	l.handler.ServeHTTP(rec, req)
	return rec
}

func (l *fuzzLedger) head(t *testing.T) eventstore.Position {
	h, err := l.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// FuzzCommandBodies sends any body (with any If-Match and Idempotency-Key) to every command route:
// the answer is 201 having written, a replayed 201 having written nothing, or a 4xx problem+json
// having written nothing. Never a 5xx: the error handler turns a panic into a 500, so that is
// caught too.
func FuzzCommandBodies(f *testing.F) {
	l := newFuzzLedger(f)
	hash := contentHashOf(f)
	// Valid bodies in the order a plan's story runs, so that the seeds reach every decision; the
	// withdrawal and the membership change come last because they end the story.
	revised := strings.Replace(string(fuzzContent(f)), "Monthly SUS", "Weekly SUS", 1)
	for _, seed := range []struct {
		route int
		body  string
	}{
		{0, `{"ods_code":"5LA","name":"Hammersmith and Fulham PCT","kind":"pct","sha_code":"Q36"}`},
		{1, `{"person_id":"` + cePCT.PersonID + `","name":"` + cePCT.Name + `","effective_from":"2009-09-01"}`},
		{2, `{"lhc_id":"lhc-x","name":"X LHC","lead_pct":"5LA","sha_code":"Q36","members":[]}`},
		{4, string(mustMarshal(f, fuzzSubmitBody(f)))},
		{7, `{"version":1,"statement":"I confirm","content_hash":"` + hash + `"}`},
		{8, `{"version":1,"outcome":"assured","criteria":[{"id":"c5","rating":"green"},{"id":"ig","rating":"green"}],"conditions":[],"reflected_in_pfit_plan":true,"pfit":"london"}`},
		{9, `{"version":1,"note":"n"}`},
		{5, `{"content":` + revised + `,"reason":"weekly data quality review"}`},
		{6, `{"section":"clinical5","summary":"s","document_sha256":"` + strings.Repeat("ab", 32) + `"}`},
		{10, `{"reason":"merged"}`},
		{3, `{"added":[],"removed":["RJ1"]}`},
	} {
		f.Add(uint8(seed.route), []byte(seed.body), "", "")
	}
	for i, body := range []string{
		``, `null`, `[]`, `{}`, `{"version":"1"}`, `{"version":1e400}`, `{"reason":"a"}{"reason":"b"}`,
		`{"reason":"a","reason":"b"}`, `{"unknown":1}`, "{\"reason\":\"\xff\"}", `{"effective_from":"2009-02-30"}`,
		`{"period":{"first_year":-9223372036854775808,"last_year":9223372036854775807}}`,
		strings.Repeat("[", 10000), `{"content":{"clinical5":[{"interim_date":"0000-00-00"}]}}`,
	} {
		f.Add(uint8(i), []byte(body), `"0"`, "0190f0c4-0000-7000-8000-000000000001")
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte, ifMatch, key string) {
		r := commandRoutes[int(route)%len(commandRoutes)]
		before := l.head(t)
		rec := l.serve(r.method, r.path, r.actor, body, ifMatch, key)
		after := l.head(t)
		switch {
		case rec.Code == http.StatusCreated && rec.Header().Get("Idempotent-Replayed") == "true":
			if after != before {
				t.Fatalf("%s %s: a replayed command wrote (head %d -> %d)", r.method, r.path, before, after)
			}
		case rec.Code == http.StatusCreated:
			if after == before {
				t.Fatalf("%s %s: 201 without writing", r.method, r.path)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if after != before {
				t.Fatalf("%s %s: %d but the log moved from %d to %d\n%s", r.method, r.path, rec.Code, before, after, rec.Body)
			}
			checkProblem(t, rec)
		default:
			t.Fatalf("%s %s with body %q: status %d\n%s", r.method, r.path, body, rec.Code, rec.Body)
		}
	})
}

// FuzzAuthorizationHeader: any Authorization header gets 401 problem+json, or 200 for a genuine
// token; never anything else.
func FuzzAuthorizationHeader(f *testing.F) {
	l := newFuzzLedger(f)
	good := l.tokens[admin.PersonID] // any role may read /v1/lhcs
	for _, h := range []string{"Bearer " + good, "bearer " + good, "Bearer  " + good + " ", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ",
		good, "Bearer " + good + "x", "Bearer a.b.c", "Bearer \x00", "BEARER " + good + ", Bearer " + good} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("GET", "/v1/lhcs", nil)
		req.Header["Authorization"] = []string{header}
		rec := httptest.NewRecorder()
		l.handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusUnauthorized:
			checkProblem(t, rec)
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		default:
			t.Fatalf("Authorization %q: status %d\n%s", header, rec.Code, rec.Body)
		}
	})
}

func checkProblem(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
		t.Fatalf("%d with Content-Type %q\n%s", rec.Code, ct, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("%d problem does not decode: %v\n%s", rec.Code, err, rec.Body)
	}
	if p.Status != rec.Code || p.Code == "" || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem for %d: %+v", rec.Code, p)
	}
}
