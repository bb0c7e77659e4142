package api_test

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore/boltstore"
)

// Regression tests of issue 19 (security hardening), each against a running server over HTTP. The
// README's "Security" table names them.

// lastCorrelationID is the correlation id sealed into the newest event of the log.
func (s *ledgerServer) lastCorrelationID() string {
	s.t.Helper()
	head := s.head()
	evs, err := s.store.ReadAll(context.Background(), head-1, 1)
	require.NoError(s.t, err)
	require.Len(s.t, evs, 1)
	ev, err := eventcodec.DecodeEnvelope(evs[0].Type, evs[0].Data, evs[0].Metadata)
	require.NoError(s.t, err)
	return ev.Meta.CorrelationID
}

var generatedRequestID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestIDIsAShortToken(t *testing.T) {
	s := startServer(t, t.TempDir())
	orgs := []string{"Q36", "Q30", "Q31", "Q32", "Q33", "Q34"}
	for i, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"a tracing id", "4bf92f3577b34da6a3ce929d0e0e4736", true},
		{"64 characters of the allowed set", strings.Repeat("a._-Z9", 10) + "abcd", true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"40 KB", strings.Repeat("x", 40<<10), false},
		{"a space", "abc def", false},
		{"JSON", `{"a":1}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", "/v1/organisations", &admin, map[string]any{"ods_code": orgs[i], "name": "SHA " + orgs[i], "kind": "sha"},
				"X-Request-Id", tc.sent)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			got := r.header.Get("X-Request-Id")
			if tc.kept {
				assert.True(t, tc.sent == got, "kept %.40q, got %.40q", tc.sent, got)
			} else {
				assert.True(t, generatedRequestID.MatchString(got), "a fresh id replaces the client's, got %.40q", got)
			}
			corr := s.lastCorrelationID()
			assert.True(t, got == corr, "the event's correlation id %.40q is the request id answered", corr)
		})
	}
}

func TestBodiesMustBeUTF8(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	head := s.head()
	for _, tc := range []struct {
		name, body, field string
	}{
		{"invalid UTF-8 in a name", "{\"ods_code\":\"5LA\",\"name\":\"Hammersmith \xc3( PCT\",\"kind\":\"pct\",\"sha_code\":\"Q36\"}", "name"},
		{"a lone high surrogate", `{"ods_code":"5LA","name":"Hammersmith \ud800 PCT","kind":"pct","sha_code":"Q36"}`, "name"},
		{"a lone low surrogate", `{"ods_code":"5LA","name":"Hammersmith \udc00 PCT","kind":"pct","sha_code":"Q36"}`, "name"},
		{"a high surrogate followed by a letter", `{"ods_code":"5LA","name":"x\ud83dA","kind":"pct","sha_code":"Q36"}`, "name"},
		{"invalid UTF-8 in a member name", "{\"ods_code\":\"5LA\",\"n\xffme\":\"x\",\"kind\":\"pct\",\"sha_code\":\"Q36\"}", "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", "/v1/organisations", &admin, tc.body)
			requireProblem(t, r, http.StatusBadRequest, "malformed_request")
			errs := r.json(t)["errors"].([]any)
			require.Len(t, errs, 1)
			assert.Equal(t, tc.field, errs[0].(map[string]any)["field"])
		})
	}
	t.Run("nested members are named by their path", func(t *testing.T) {
		r := s.do("POST", "/v1/lhcs", &admin, `{"lhc_id":"lhc-x","name":"X","lead_pct":"5K5","sha_code":"Q36","members":["RJ1","\udfff"]}`)
		requireProblem(t, r, http.StatusBadRequest, "malformed_request")
		assert.Equal(t, "members[1]", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
	})
	assert.Equal(t, head, s.head(), "nothing was recorded")
	// A surrogate pair is a character like any other, and an escaped backslash before "u" no escape.
	s.must(http.StatusCreated, "POST", "/v1/organisations", &admin, `{"ods_code":"5LA","name":"Hammersmith \ud83c\udfe5 PCT \\ud800","kind":"pct","sha_code":"Q36"}`)
}

func TestTransparencyCSVNeutralisesFormulas(t *testing.T) {
	s := startServer(t, t.TempDir())
	for _, o := range []map[string]any{
		{"ods_code": "Q36", "name": "=HYPERLINK(\"http://evil.example\",\"x\")", "kind": "sha"},
		{"ods_code": "Q30", "name": "+SUM(1,2)", "kind": "sha"},
		{"ods_code": "Q31", "name": "-2+3", "kind": "sha"},
		{"ods_code": "Q32", "name": "@cmd", "kind": "sha"},
		{"ods_code": "Q33", "name": "North East SHA", "kind": "sha"},
	} {
		s.must(http.StatusCreated, "POST", "/v1/organisations", &admin, o)
	}
	r := s.do("GET", "/v1/reports/transparency?round=2009-10&min_position="+itoa(s.head()), &auditor, nil, "Accept", "text/csv")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	require.NoError(t, err)
	names := map[string]string{}
	for _, row := range rows[1:] {
		names[row[3]] = row[4]
		assert.Equal(t, "2009-10", row[0])
		for _, cell := range row {
			if cell != "" {
				assert.NotContains(t, "=+-@\t\r", cell[:1], "a cell begins with a formula character: %q", cell)
			}
		}
	}
	assert.Equal(t, "'=HYPERLINK(\"http://evil.example\",\"x\")", names["Q36"])
	assert.Equal(t, "'+SUM(1,2)", names["Q30"])
	assert.Equal(t, "'-2+3", names["Q31"])
	assert.Equal(t, "'@cmd", names["Q32"])
	assert.Equal(t, "North East SHA", names["Q33"])

	// round is echoed into every row, so only a round is accepted.
	for _, bad := range []string{"2009", "=1+1", "2009-10x", "@SUM(A1)"} {
		r := s.do("GET", "/v1/reports/transparency?round="+urlQuery(bad), &auditor, nil, "Accept", "text/csv")
		requireProblem(t, r, http.StatusBadRequest, "malformed_request")
		assert.Equal(t, "round", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func urlQuery(s string) string { return url.QueryEscape(s) }

// countingStore is an embedded store that counts (and can hold up) its hot backups.
type countingStore struct {
	*boltstore.Store
	copies atomic.Int32
	hold   atomic.Pointer[chan struct{}] // when set, a backup waits until it is closed
}

func (s *countingStore) Backup(w io.Writer) (int64, error) {
	s.copies.Add(1)
	if hold := s.hold.Load(); hold != nil {
		<-*hold
	}
	return s.Store.Backup(w)
}

func TestBackupIsNotCopiedForEveryRequest(t *testing.T) {
	dir := t.TempDir()
	bolt, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	defer bolt.Close()
	store := &countingStore{Store: bolt}
	srv := httptest.NewServer(api.New(api.Config{Store: store, Commands: command.NewHandler(store, command.Options{}),
		Tokens: auth.NewVerifier(secret, nil), BackupDir: dir}))
	defer srv.Close()
	adminTok := token(t, admin)
	get := func(headers ...string) response {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/admin/backup", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+adminTok)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return response{status: resp.StatusCode, header: resp.Header, body: body}
	}

	whole := get()
	require.Equal(t, http.StatusOK, whole.status, string(whole.body))
	assert.EqualValues(t, 1, store.copies.Load())
	for range 20 {
		one := get("Range", "bytes=0-0")
		require.Equal(t, http.StatusPartialContent, one.status)
		assert.Equal(t, whole.body[:1], one.body)
	}
	resumed := get("Range", "bytes=100-", "If-Range", whole.header.Get("ETag"))
	require.Equal(t, http.StatusPartialContent, resumed.status)
	assert.Equal(t, whole.body[100:], resumed.body, "a resumed download continues the same copy")
	assert.Equal(t, whole.body, get().body)
	assert.EqualValues(t, 1, store.copies.Load(), "nothing was recorded: the same copy is sent")

	// Once something is recorded, the next request gets a new copy that holds it.
	r := call(t, srv, "POST", "/v1/organisations", adminTok, strings.NewReader(`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	stale := get("Range", "bytes=100-", "If-Range", whole.header.Get("ETag"))
	assert.Equal(t, http.StatusOK, stale.status, "the old copy's range is not joined to the new copy")
	assert.EqualValues(t, 2, store.copies.Load())

	// One copy at a time: a request that would start a second while one is made is told to wait.
	r = call(t, srv, "POST", "/v1/organisations", adminTok, strings.NewReader(`{"ods_code":"Q30","name":"North East SHA","kind":"sha"}`))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	hold := make(chan struct{})
	var release sync.Once
	defer release.Do(func() { close(hold) }) // before the server closes, which waits for the copy
	store.hold.Store(&hold)
	copies := store.copies.Load()
	first := make(chan response, 1)
	go func() { first <- get() }()
	require.Eventually(t, func() bool { return store.copies.Load() == copies+1 }, 5*time.Second, time.Millisecond)
	busyc := make(chan response, 1)
	go func() { busyc <- get() }()
	var busy response
	select {
	case busy = <-busyc:
	case <-time.After(5 * time.Second):
		t.Fatal("a second request started a second copy of the store")
	}
	requireProblem(t, busy, http.StatusTooManyRequests, "backup_in_progress")
	assert.NotEmpty(t, busy.header.Get("Retry-After"))
	release.Do(func() { close(hold) })
	assert.Equal(t, http.StatusOK, (<-first).status)
	assert.EqualValues(t, copies+1, store.copies.Load())
}

func TestConflictingCredentialsAreRefused(t *testing.T) {
	s := startServer(t, t.TempDir())
	good, other := token(t, auditor), token(t, cfh)
	for _, tc := range []struct {
		name    string
		headers []string // Authorization values, in order
		cookie  string
		status  int
	}{
		{"a valid token, then garbage", []string{"Bearer " + good, "Bearer garbage"}, "", http.StatusBadRequest},
		{"garbage, then a valid token", []string{"Bearer garbage", "Bearer " + good}, "", http.StatusBadRequest},
		{"two people's tokens", []string{"Bearer " + good, "Bearer " + other}, "", http.StatusBadRequest},
		{"a header and a cookie naming different tokens", []string{"Bearer " + good}, other, http.StatusBadRequest},
		{"the same token twice", []string{"Bearer " + good, "Bearer " + good}, "", http.StatusOK},
		{"the same token in the header and the cookie", []string{"Bearer " + good}, good, http.StatusOK},
		{"a header, and two cookies of which one is garbage", []string{"Bearer " + good}, good + "; ledger_session=garbage", http.StatusBadRequest},
		{"two cookies holding different tokens", nil, good + "; ledger_session=" + other, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.http.URL+"/v1/organisations", nil)
			require.NoError(t, err)
			for _, h := range tc.headers {
				req.Header.Add("Authorization", h)
			}
			if tc.cookie != "" {
				req.Header.Set("Cookie", auth.SessionCookie+"="+tc.cookie)
			}
			resp, err := s.http.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			r := response{status: resp.StatusCode, header: resp.Header, body: body}
			if tc.status == http.StatusOK {
				require.Equal(t, http.StatusOK, r.status, string(body))
				return
			}
			requireProblem(t, r, tc.status, "conflicting_credentials")
		})
	}
}

// The report's form follows the Accept header's qualities: "text/csv;q=0, application/json" got
// CSV, the first type named winning whatever its quality.
func TestReportFormFollowsAcceptQualities(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	for _, tc := range []struct {
		accept string
		csv    bool
	}{
		{"", false},
		{"text/csv", true},
		{"text/csv;q=0, application/json", false},
		{"application/json, text/csv;q=0", false},
		{"text/csv;q=0", false},
		{"text/csv;q=0.4, application/json;q=0.5", false},
		{"application/json;q=0.5, text/csv;q=0.9", true},
		{"text/csv, application/json", true},
		{"application/json, text/csv", false},
		{"*/*", false},
		{"text/*", true},
		{"text/*;q=0.8, */*;q=0.5", true},
		{"*/*;q=0.9, text/csv;q=0", false},
		{"TEXT/CSV; Q=1", true},
		{"text/csv;q=2, application/json", false},
		{"application/xml", false},
	} {
		r := s.do("GET", "/v1/reports/transparency", &auditor, nil, "Accept", tc.accept)
		require.Equal(t, http.StatusOK, r.status, "%q: %s", tc.accept, r.body)
		if tc.csv {
			assert.Equal(t, "text/csv; charset=utf-8", r.header.Get("Content-Type"), "Accept: %q", tc.accept)
		} else {
			assert.Equal(t, "application/json", r.header.Get("Content-Type"), "Accept: %q", tc.accept)
		}
	}
}

// A command's If-Match names one revision: with two If-Match headers the first silently won. Two
// headers, or a list in one, are 400 and write nothing, whichever comes first.
func TestIfMatchNamesOneRevision(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	path := "/v1/plans/" + sub["plan_id"].(string) + "/contributions"
	current := sub["revision"]
	head := s.head()
	for _, values := range [][]string{
		{fmt.Sprintf(`"%v"`, current), `"99"`},
		{`"99"`, fmt.Sprintf(`"%v"`, current)},
		{fmt.Sprintf(`"%v"`, current), fmt.Sprintf(`"%v"`, current)},
		{fmt.Sprintf(`"%v", "99"`, current)},
	} {
		req, err := http.NewRequest(http.MethodPost, s.http.URL+path, strings.NewReader(`{"section":"clinical5","summary":"Order comms"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token(t, provider))
		for _, v := range values {
			req.Header.Add("If-Match", v)
		}
		resp, err := s.http.Client().Do(req)
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		r := response{status: resp.StatusCode, header: resp.Header, body: raw}
		requireProblem(t, r, http.StatusBadRequest, "malformed_request")
		assert.Equal(t, "If-Match", r.json(t)["errors"].([]any)[0].(map[string]any)["field"], "%q", values)
	}
	assert.Equal(t, head, s.head(), "nothing was recorded")
	s.must(201, "POST", path, &provider, map[string]any{"section": "clinical5", "summary": "Order comms"}, "If-Match", fmt.Sprintf(`"%v"`, current))
}

// A command says it sends JSON in UTF-8: a POST without Content-Type, or with charset=iso-8859-1,
// was decoded and recorded (201) all the same. Each is 415 and writes nothing.
func TestCommandsRequireJSONInUTF8(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	head := s.head()
	body := `{"ods_code":"RZZ","name":"Zeta NHS Trust","kind":"provider","sha_code":"Q36"}`
	for _, tc := range []struct {
		name  string
		types []string
	}{
		{"no Content-Type", nil},
		{"ISO-8859-1", []string{"application/json; charset=iso-8859-1"}},
		{"UTF-16", []string{"application/json; charset=utf-16"}},
		{"text", []string{"text/plain"}},
		{"two types", []string{"application/json", "text/plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.http.URL+"/v1/organisations", strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+token(t, admin))
			for _, ct := range tc.types {
				req.Header.Add("Content-Type", ct)
			}
			resp, err := s.http.Client().Do(req)
			require.NoError(t, err)
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			requireProblem(t, response{status: resp.StatusCode, header: resp.Header, body: raw}, http.StatusUnsupportedMediaType, "unsupported_media_type")
		})
	}
	assert.Equal(t, head, s.head(), "nothing was recorded")
	s.must(201, "POST", "/v1/organisations", &admin, body, "Content-Type", "application/json; charset=UTF-8")
}

// signRaw signs header and claims, given as JSON text, with the test secret: a token as a holder of
// the secret could make it, which Mint never would.
func signRaw(t *testing.T, header, claims string) string {
	t.Helper()
	signing := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodHS256.Sign(signing, secret)
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Claims are read by their exact names: {"role":"auditor","ROLE":"admin"} was read as an admin's
// (encoding/json matches names whatever their case and keeps the last), and so was a lone "Role".
// Such a token is refused (401; the dashboard's sign-in uses the same verifier); the same claims
// spelt once each work.
func TestClaimsAreReadByTheirExactNames(t *testing.T) {
	s := startServer(t, t.TempDir())
	now := time.Now().Unix()
	hs := `{"alg":"HS256","typ":"JWT"}`
	life := fmt.Sprintf(`"jti":"t-%d","iat":%d,"exp":%d`, now, now, now+3600)
	person := `"iss":"assurance-ledger","sub":"au-9","name":"Audrey Auditor","org":"X26"`
	for _, tc := range []struct{ name, header, claims string }{
		{"role, then ROLE", hs, `{` + person + `,"role":"auditor","ROLE":"admin",` + life + `}`},
		{"ROLE, then role", hs, `{` + person + `,"ROLE":"admin","role":"auditor",` + life + `}`},
		{"only Role", hs, `{` + person + `,"Role":"admin",` + life + `}`},
		{"sub in a long s", hs, `{` + person + `,"\u017fub":"adm-1","role":"admin",` + life + `}`},
		{"alg in two cases", `{"alg":"HS256","ALG":"none"}`, `{` + person + `,"role":"admin",` + life + `}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := signRaw(t, tc.header, tc.claims)
			r := call(t, s.http, "GET", "/v1/admin/backup", tok, nil)
			requireProblem(t, r, http.StatusUnauthorized, "invalid_token")
			assert.Contains(t, r.json(t)["detail"], "case")
		})
	}
	good := signRaw(t, hs, `{`+person+`,"role":"admin",`+life+`}`)
	assert.Equal(t, http.StatusOK, call(t, s.http, "GET", "/v1/organisations", good, nil).status)
}

// The person a token names follows the rules of the names a command records: a bidirectional
// override or zero-width space in sub or name, 15,000 characters of sub, or an org that is no ODS
// code were recorded into the audit trail for good (a contribution answered 201) and copied into
// every access-log line. Such a token is refused (401 naming the claim) and nothing is recorded;
// the person id an access-log line copies is cut short.
func TestTokenActorsFollowTheTextRules(t *testing.T) {
	var logs syncBuffer
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(s.store, command.Options{}), Projections: s.proj,
		Store: s.store, Tokens: auth.NewVerifier(secret, nil), Log: slog.New(slog.NewJSONHandler(&logs, nil))}))
	defer srv.Close()
	now := time.Now().Unix()
	forge := func(sub, name, org string) string {
		claims, err := json.Marshal(map[string]any{"iss": "assurance-ledger", "sub": sub, "name": name, "role": "provider", "org": org,
			"jti": fmt.Sprintf("t-%d-%d", now, len(sub)+len(name)), "iat": now, "exp": now + 3600})
		require.NoError(t, err)
		return signRaw(t, `{"alg":"HS256","typ":"JWT"}`, string(claims))
	}
	head := s.head()
	for _, tc := range []struct{ name, sub, person, org, claim string }{
		{"an override in sub", "eve\u202e", "Eve Forger", "RJ1", "sub"},
		{"an override and a zero-width space in name", "eve", "Eve\u202eForger\u200b", "RJ1", "name"},
		{"15,000 characters of sub", strings.Repeat("e", 15_000), "Eve Forger", "RJ1", "sub"},
		{"201 characters of name", "eve", strings.Repeat("E", 201), "RJ1", "name"},
		{"a blank name", "eve", "\u2800", "RJ1", "name"},
		{"an org that is no ODS code", "eve", "Eve Forger", "RJ1\u200b", "org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := forge(tc.sub, tc.person, tc.org)
			body := strings.NewReader(`{"section":"clinical5","summary":"Order comms"}`)
			r := call(t, srv, "POST", plan+"/contributions", tok, body)
			requireProblem(t, r, http.StatusUnauthorized, "invalid_token")
			assert.Contains(t, r.json(t)["detail"], "claim "+tc.claim)
			_, err := auth.Mint(secret, domain.Actor{PersonID: tc.sub, Name: tc.person, Role: domain.RoleProvider, Org: tc.org}, time.Now(), time.Hour)
			assert.Error(t, err, "nor is such a token minted")
		})
	}
	assert.Equal(t, head, s.head(), "nothing was recorded")

	// The longest person id allowed, of four-byte characters: 800 bytes, of which a log line keeps 64.
	long := strings.Repeat("\U0001d4d4", 200)
	r := call(t, srv, "POST", plan+"/contributions", forge(long, "Eve Forger", "RJ1"), strings.NewReader(`{"section":"clinical5","summary":"Order comms"}`))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var longest int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		longest = max(longest, len(line))
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry))
		if a, ok := entry["actor"].(string); ok {
			assert.LessOrEqual(t, len(a), 64+len("…"), "the actor a log line copies")
		}
	}
	assert.Less(t, longest, 500, "the longest access-log line")
}

// Query parameters are those the operation declares, once each, matching their declared schema;
// "?shaa=Q36" listed every plan, "?round=2009" answered an empty 200, "?sha=" listed every plan,
// "?round=2009-09" passed the pattern though no round names two years that way, and
// from_revision=18446744073709551615 was answered although the contract says int64.
func TestQueryParametersAreCheckedAgainstTheSpec(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	for _, tc := range []struct {
		target, field string
	}{
		{"/v1/plans?shaa=Q36", "shaa"},
		{"/v1/plans?round=2009", "round"},
		{"/v1/plans?sha=q36", "sha"},
		{"/v1/plans?sha=Q36&sha=Q30", "sha"},
		{"/v1/plans?status=lost", "status"},
		{"/v1/shas/Q36/assurance-status?round=2009", "round"},
		{"/v1/reports/transparency?round=%3D1%2B1", "round"},
		{"/v1/organisations?x=%zz", "query"},
		{"/v1/plans/" + testPlanUUID + "?verbose=1", "verbose"},
		{"/healthz?probe=1", "probe"},
		// An empty value breaks a pattern like any other; a round names consecutive years; an
		// integer is digits within its declared range and format.
		{"/v1/plans?sha=", "sha"},
		{"/v1/plans?round=", "round"},
		{"/v1/plans?round=2009-09", "round"},
		{"/v1/shas/Q36/assurance-status?round=2009-11", "round"},
		{"/v1/reports/transparency?round=2099-01", "round"},
		{"/v1/plans/" + testPlanUUID + "/audit-trail?from_revision=18446744073709551615", "from_revision"},
		{"/v1/plans/" + testPlanUUID + "/audit-trail?from_revision=9223372036854775808", "from_revision"},
		{"/v1/plans/" + testPlanUUID + "/audit-trail?from_revision=+5", "from_revision"},
		{"/v1/plans/" + testPlanUUID + "/audit-trail?limit=1001", "limit"},
		{"/v1/plans/" + testPlanUUID + "/audit-trail?limit=", "limit"},
		{"/v1/audit/events?from_position=-1", "from_position"},
		{"/v1/organisations?min_position=0x10", "min_position"},
		{"/v1/ledger/proofs/consistency?from=0&to=1", "from"},
		{"/v1/plans/" + testPlanUUID + "?as_of=18446744073709551615", "as_of"},
		{"/v1/plans/" + testPlanUUID + "?as_of=%2B5", "as_of"},
		{"/v1/organisations/RJ1/sro-evidence?format=", "format"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			r := s.do("GET", tc.target, &admin, nil)
			requireProblem(t, r, http.StatusBadRequest, "malformed_request")
			assert.Equal(t, tc.field, r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
		})
	}
	for _, ok := range []string{"/v1/plans?sha=Q36&round=2009-10&status=submitted", "/v1/plans?round=2099-00", "/v1/shas/Q36/assurance-status?round=2009-10",
		"/v1/audit/events?from_position=0&limit=1000", "/v1/organisations?min_position=0"} {
		assert.Equal(t, http.StatusOK, s.do("GET", ok, &admin, nil).status, ok)
	}
}

const testPlanUUID = "0b5a8f4e-3c1d-4a2b-9e7f-1a2b3c4d5e6f"
