package api_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventcodec"
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
