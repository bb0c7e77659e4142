package api_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
)

// TestCommandRoutesByRole tries every command route with every role: all but the allowed role get
// 403 and append nothing; the allowed one succeeds.
func TestCommandRoutesByRole(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	// RKE joins the LHC before the plan is submitted: the content gives its indicators.
	content := func() map[string]any { return withOrganisation(sampleContent(t), "RKE") }
	hash := contentHash(t, content())
	var plan string
	routes := []struct {
		name   string
		method string
		path   func() string
		actor  domain.Actor
		body   func() any
	}{
		{"register organisation", "POST", func() string { return "/v1/organisations" }, admin,
			func() any {
				return map[string]any{"ods_code": "RKE", "name": "Whittington Hospital NHS Trust", "kind": "provider", "sha_code": "Q36"}
			}},
		{"appoint chief executive", "POST", func() string { return "/v1/organisations/RKE/chief-executive" }, admin,
			func() any {
				return map[string]any{"person_id": "ce-rke", "name": "Wendy Chief", "effective_from": "2008-04-01"}
			}},
		{"form LHC", "POST", func() string { return "/v1/lhcs" }, admin,
			func() any {
				return map[string]any{"lhc_id": "lhc-test", "name": "Test LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{}}
			}},
		{"change members", "PATCH", func() string { return "/v1/lhcs/lhc-brent/members" }, admin,
			func() any { return map[string]any{"added": []string{"RKE"}} }},
		{"submit", "POST", func() string { return "/v1/plans" }, pct, func() any {
			b := submitBody(t)
			b["content"] = content()
			return b
		}},
		{"contribute", "POST", func() string { return "/v1/plans/" + plan + "/contributions" }, provider,
			func() any { return map[string]any{"section": "infrastructure", "summary": "N3 upgrade"} }},
		{"sign off (PCT)", "POST", func() string { return "/v1/plans/" + plan + "/sro-signoffs" }, cePCT,
			func() any { return map[string]any{"version": 1, "statement": "I confirm", "content_hash": hash} }},
		{"sign off (provider)", "POST", func() string { return "/v1/plans/" + plan + "/sro-signoffs" }, ceRJ1,
			func() any { return map[string]any{"version": 1, "statement": "I confirm", "content_hash": hash} }},
		{"excuse the member that joined", "POST", func() string { return "/v1/plans/" + plan + "/excusals" }, assurer,
			func() any {
				return map[string]any{"version": 1, "ods_code": "RKE", "reason": "Joined the LHC after the plan was drafted."}
			}},
		{"assure", "POST", func() string { return "/v1/plans/" + plan + "/assurances" }, assurer,
			func() any {
				return map[string]any{"version": 1, "outcome": "assured", "criteria": []map[string]any{{"id": "c5", "rating": "green", "note": ""}, {"id": "ig", "rating": "green"}},
					"conditions": []map[string]any{}, "reflected_in_pfit_plan": true, "pfit": "london"}
			}},
		{"acknowledge", "POST", func() string { return "/v1/plans/" + plan + "/acknowledgements" }, cfh,
			func() any { return map[string]any{"version": 1, "note": "noted"} }},
		{"revise", "POST", func() string { return "/v1/plans/" + plan + "/revisions" }, pct,
			func() any {
				c := content()
				c["infrastructure"] = "N3 upgrade brought forward."
				return map[string]any{"content": c, "reason": "infrastructure timing"}
			}},
		{"withdraw", "POST", func() string { return "/v1/plans/" + plan + "/withdrawal" }, pct,
			func() any { return map[string]any{"reason": "merged with a neighbouring LHC's plan"} }},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			for _, role := range domain.Roles {
				if role == r.actor.Role {
					continue
				}
				other := r.actor
				other.Role = role
				before := s.head()
				resp := s.do(r.method, r.path(), &other, r.body())
				assert.Equal(t, 403, resp.status, "role %s: %s", role, resp.body)
				assert.Equal(t, "application/problem+json", resp.header.Get("Content-Type"))
				assert.Equal(t, before, s.head(), "role %s appended", role)
			}
			res := s.must(201, r.method, r.path(), &r.actor, r.body())
			if id, ok := res["plan_id"].(string); ok && plan == "" {
				plan = id
			}
		})
	}
}

func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	org := `{"ods_code":"RKE","name":"Whittington","kind":"provider","sha_code":"Q36"}`
	expired, err := auth.Mint(secret, admin, time.Now().Add(-2*time.Hour), time.Hour)
	require.NoError(t, err)
	forged, err := auth.Mint([]byte("some-other-secret-some-other-secret"), admin, time.Now(), time.Hour)
	require.NoError(t, err)
	parts := strings.Split(token(t, admin), ".")
	algNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	rs := jwt.NewWithClaims(jwt.SigningMethodHS512, auth.Claims{Name: "x", Role: domain.RoleAdmin, Org: "X26",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: auth.Issuer, Subject: "p", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}})
	hs512, err := rs.SignedString(secret)
	require.NoError(t, err)
	shortPeriod := submitBody(t)
	shortPeriod["period"] = map[string]int{"first_year": 2009, "last_year": 2010}
	noC5 := submitBody(t)
	noC5["content"].(map[string]any)["clinical5"] = noC5["content"].(map[string]any)["clinical5"].([]any)[:4]

	body := func(effective string) string {
		return `{"body_id":"ib-5k5","name":"Board","ods_code":"5K5","kind":"organisation_informatics_board","chair_person_id":"p",` +
			`"terms_of_reference_sha256":"` + strings.Repeat("ab", 32) + `",` + effective + `}`
	}
	impossible := submitBody(t)
	impossible["content"].(map[string]any)["clinical5"].([]any)[1].(map[string]any)["interim_date"] = "2009-02-30"
	tests := []struct {
		name    string
		path    string
		body    any
		auth    string // "" = admin token; "-" = none
		headers []string
		status  int
		code    string
		field   string
	}{
		{"malformed JSON", "/v1/organisations", `{"ods_code":`, "", nil, 400, "malformed_request", "body"},
		{"not an object", "/v1/organisations", `[1,2]`, "", nil, 400, "malformed_request", "body"},
		{"trailing data", "/v1/organisations", org + `{}`, "", nil, 400, "malformed_request", "body"},
		{"unknown field", "/v1/organisations", `{"ods_code":"RKE","name":"W","kind":"provider","sha_code":"Q36","colour":"blue"}`, "", nil, 400, "malformed_request", "colour"},
		{"wrong type", "/v1/organisations", `{"ods_code":5,"name":"W","kind":"provider","sha_code":"Q36"}`, "", nil, 400, "malformed_request", "ods_code"},
		{"missing fields", "/v1/organisations", `{"sha_code":"Q36"}`, "", nil, 400, "malformed_request", "ods_code"},
		{"empty body", "/v1/organisations", ``, "", nil, 400, "malformed_request", "body"},
		{"oversized body", "/v1/organisations", `{"ods_code":"RKE","name":"` + strings.Repeat("x", 2<<20) + `"}`, "", nil, 413, "body_too_large", "body"},
		{"not JSON", "/v1/organisations", org, "", []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", "Content-Type"},
		{"bad date", "/v1/organisations/5K5/chief-executive", `{"person_id":"p","name":"n","effective_from":"1 April 2009"}`, "", nil, 400, "malformed_request", "effective_from"},
		{"an impossible date", "/v1/governance-bodies", body(`"effective_from":"2009-02-30"`), "", nil, 400, "malformed_request", "effective_from"},
		{"a number for a date", "/v1/governance-bodies", body(`"effective_from":20090201`), "", nil, 400, "malformed_request", "effective_from"},
		{"an object for a date", "/v1/governance-bodies", body(`"effective_from":{"y":2009}`), "", nil, 400, "malformed_request", "effective_from"},
		{"an impossible date inside the content", "/v1/plans", impossible, token(t, pct), nil, 400, "malformed_request", "content.clinical5[1].interim_date"},
		{"no token", "/v1/organisations", org, "-", nil, 401, "missing_token", "Authorization"},
		{"expired token", "/v1/organisations", org, expired, nil, 401, "invalid_token", "Authorization"},
		{"wrong signature", "/v1/organisations", org, forged, nil, 401, "invalid_token", "Authorization"},
		{"alg none", "/v1/organisations", org, algNone, nil, 401, "invalid_token", "Authorization"},
		{"other algorithm", "/v1/organisations", org, hs512, nil, 401, "invalid_token", "Authorization"},
		{"not bearer", "/v1/organisations", org, "", []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, 401, "invalid_token", "Authorization"},
		{"bad idempotency key", "/v1/organisations", org, "", []string{"Idempotency-Key", "twice"}, 400, "malformed_request", "Idempotency-Key"},
		{"bad If-Match", "/v1/organisations", org, "", []string{"If-Match", "3"}, 400, "malformed_request", "If-Match"},
		{"domain: unknown SHA", "/v1/organisations", `{"ods_code":"RKE","name":"W","kind":"provider","sha_code":"Q99"}`, "", nil, 422, "unknown_sha", "sha_code"},
		{"domain: period of two years", "/v1/plans", shortPeriod, token(t, pct), nil, 422, "period_too_short", "period"},
		{"domain: missing Clinical 5 capability", "/v1/plans", noC5, token(t, pct), nil, 422, "missing_capability", "content.clinical5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.head()
			headers := tc.headers
			switch tc.auth {
			case "":
				headers = append([]string{"Authorization", "Bearer " + token(t, admin)}, headers...)
			case "-":
			default:
				headers = append([]string{"Authorization", "Bearer " + tc.auth}, headers...)
			}
			resp := s.do("POST", tc.path, nil, tc.body, headers...)
			require.Equal(t, tc.status, resp.status, "%s", resp.body)
			assert.Equal(t, "application/problem+json", resp.header.Get("Content-Type"))
			p := resp.json(t)
			assert.Equal(t, tc.code, p["code"])
			assert.Equal(t, float64(tc.status), p["status"])
			assert.Equal(t, "urn:assurance-ledger:problem:"+tc.code, p["type"])
			assert.NotEmpty(t, p["detail"])
			var fields []string
			for _, f := range p["errors"].([]any) {
				fields = append(fields, f.(map[string]any)["field"].(string))
				assert.NotEmpty(t, f.(map[string]any)["message"])
			}
			assert.True(t, anyHasPrefix(fields, tc.field), "fields %v lack %s", fields, tc.field)
			assert.Equal(t, before, s.head(), "nothing appended")
		})
	}
}

func anyHasPrefix(xs []string, prefix string) bool {
	for _, x := range xs {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}

func TestIdempotencyKeyAndIfMatchOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	key := "0b9c3f2e-8d1a-4c55-9f5e-2a7c4d1e6b30"
	first := s.do("POST", "/v1/plans", &pct, submitBody(t), "Idempotency-Key", key)
	require.Equal(t, 201, first.status, "%s", first.body)
	before := s.head()
	again := s.do("POST", "/v1/plans", &pct, submitBody(t), "Idempotency-Key", key)
	require.Equal(t, 201, again.status, "%s", again.body)
	assert.JSONEq(t, string(first.body), string(again.body))
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, before, s.head())

	plan := first.json(t)["plan_id"].(string)
	assert.Equal(t, "/v1/plans/"+plan, first.header.Get("Location"))
	assert.Equal(t, `"0"`, first.header.Get("ETag"))
	conflict := s.do("POST", "/v1/plans/"+plan+"/withdrawal", &pct, map[string]any{"reason": "x"}, "If-Match", `"4"`)
	assert.Equal(t, 409, conflict.status)
	assert.Equal(t, "conflict", conflict.json(t)["code"])
	assert.Equal(t, before, s.head())
	s.must(201, "POST", "/v1/plans/"+plan+"/withdrawal", &pct, map[string]any{"reason": "x"}, "If-Match", `"0"`)
}

func TestReadYourWritesTimesOut(t *testing.T) {
	t.Parallel() // waits out the read's two seconds
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	resp := s.do("GET", fmt.Sprintf("/v1/plans?min_position=%d", s.head()+1000), &auditor, nil)
	assert.Equal(t, 503, resp.status)
	assert.Equal(t, "1", resp.header.Get("Retry-After"))
	assert.Equal(t, "projection_lagging", resp.json(t)["code"])
	ok := s.do("GET", fmt.Sprintf("/v1/plans?min_position=%d", s.head()), &auditor, nil)
	assert.Equal(t, 200, ok.status)
}

func TestQueryAccess(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	otherSHA := domain.Actor{PersonID: "x", Name: "North East", Role: domain.RoleSHAAssurer, Org: "Q30"}
	tests := []struct {
		path   string
		actor  domain.Actor
		status int
	}{
		{"/v1/shas/Q36/assurance-status", assurer, 200},
		{"/v1/shas/Q36/assurance-status", cfh, 200},
		{"/v1/shas/Q36/assurance-status", auditor, 200},
		{"/v1/shas/Q36/assurance-status", otherSHA, 200},
		{"/v1/shas/Q36/assurance-status", pct, 200},
		{"/v1/organisations/RJ1/sro-evidence", ceRJ1, 200},
		{"/v1/organisations/RJ1/sro-evidence", cePCT, 200},
		{"/v1/organisations/RJ1/sro-evidence", admin, 200},
		{"/v1/audit/events", auditor, 200},
		{"/v1/audit/events", pct, 200},
		{"/v1/shas/Q36/assurance-status", domain.Actor{PersonID: "x", Name: "No One", Role: domain.RoleProvider, Org: "Q36"}, 200},
		{"/v1/reports/transparency", provider, 200},
		{"/v1/shas/Q99/assurance-status", auditor, 404},
		{"/v1/plans/not-a-plan", auditor, 404},
	}
	for _, tc := range tests {
		resp := s.do("GET", tc.path, &tc.actor, nil)
		assert.Equal(t, tc.status, resp.status, "%s as %s: %s", tc.path, tc.actor.Role, resp.body)
	}
	feed := s.must(200, "GET", "/v1/audit/events?from_position=2&limit=3", &auditor, nil)
	events := feed["events"].([]any)
	require.Len(t, events, 3)
	assert.Equal(t, float64(2), events[0].(map[string]any)["position"])
	assert.Equal(t, float64(5), feed["next_from_position"])
}
