package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// call sends one request to srv with an optional bearer token and returns status, headers, body.
func call(t *testing.T, srv *httptest.Server, method, path, bearer string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func requireProblem(t *testing.T, r response, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.status, string(r.body))
	assert.Equal(t, api.ProblemContentType, r.header.Get("Content-Type"))
	assert.Equal(t, code, r.json(t)["code"], string(r.body))
}

func TestSecurityHeaders(t *testing.T) {
	s := startServer(t, t.TempDir())
	handler := api.New(api.Config{Projections: s.proj, Store: s.store, Tokens: auth.NewVerifier(secret, nil)})
	always := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
	}
	for _, tc := range []struct {
		name string
		srv  *httptest.Server
		hsts string
	}{
		{"plain HTTP: no HSTS, which would be ignored or wrong", httptest.NewServer(handler), ""},
		{"TLS: HSTS", httptest.NewTLSServer(handler), "max-age=63072000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.srv.Close()
			for _, r := range []response{
				call(t, tc.srv, "GET", "/v1/organisations", token(t, auditor), nil), // 200
				call(t, tc.srv, "GET", "/v1/organisations", "", nil),                // 401 problem
				call(t, tc.srv, "GET", "/healthz", "", nil),
				call(t, tc.srv, "GET", "/no-such-route", "", nil), // 404 problem
			} {
				for h, want := range always {
					assert.Equal(t, want, r.header.Get(h), "%s on a %d", h, r.status)
				}
				assert.Equal(t, tc.hsts, r.header.Get("Strict-Transport-Security"), "on a %d", r.status)
			}
		})
	}
}

func TestRateLimitPerPersonAndAnonymousAddress(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	// One token a thousand seconds: the bucket cannot refill while the test runs.
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(s.store, command.Options{}), Projections: s.proj,
		Store: s.store, Tokens: auth.NewVerifier(secret, nil), RateLimit: 0.001, RateBurst: 2}))
	defer srv.Close()

	audTok := token(t, auditor)
	assert.Equal(t, 200, call(t, srv, "GET", "/v1/organisations", audTok, nil).status)
	assert.Equal(t, 200, call(t, srv, "GET", "/v1/lhcs", audTok, nil).status)
	limited := call(t, srv, "GET", "/v1/organisations", audTok, nil)
	requireProblem(t, limited, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(limited.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After is whole seconds: %q", limited.header.Get("Retry-After"))
	assert.True(t, secs >= 1 && secs <= 1000, "Retry-After %d", secs)

	// The limit is the person's, not the token's: a fresh token (even for another role) does not reset it.
	again := auditor
	again.Role = domain.RoleAdmin
	requireProblem(t, call(t, srv, "GET", "/v1/organisations", token(t, again), nil), http.StatusTooManyRequests, "rate_limited")

	// Others are not affected, and a refused command writes nothing.
	head := s.head()
	body := `{"ods_code":"5LA","name":"Hammersmith and Fulham PCT","kind":"pct","sha_code":"Q36"}`
	adminTok := token(t, admin)
	assert.Equal(t, 201, call(t, srv, "POST", "/v1/organisations", adminTok, strings.NewReader(body)).status)
	assert.Equal(t, 409, call(t, srv, "POST", "/v1/organisations", adminTok, strings.NewReader(body)).status)
	requireProblem(t, call(t, srv, "POST", "/v1/organisations", adminTok,
		strings.NewReader(`{"ods_code":"5LB","name":"X PCT","kind":"pct","sha_code":"Q36"}`)), http.StatusTooManyRequests, "rate_limited")
	assert.Equal(t, head+1, s.head(), "only the first command wrote")

	// Requests that fail to authenticate are limited by address: the third 401 becomes a 429.
	requireProblem(t, call(t, srv, "GET", "/v1/plans", "not-a-token", nil), http.StatusUnauthorized, "invalid_token")
	requireProblem(t, call(t, srv, "GET", "/v1/plans", "", nil), http.StatusUnauthorized, "missing_token")
	requireProblem(t, call(t, srv, "GET", "/v1/plans", "not-a-token", nil), http.StatusTooManyRequests, "rate_limited")
	// ... which does not touch the buckets of people who did authenticate.
	assert.Equal(t, 200, call(t, srv, "GET", "/v1/plans", token(t, cfh), nil).status)
	// Health checks are never limited.
	for range 5 {
		assert.Equal(t, 200, call(t, srv, "GET", "/healthz", "", nil).status)
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	s := startServer(t, t.TempDir())
	srv := httptest.NewServer(api.New(api.Config{Projections: s.proj, Store: s.store, Tokens: auth.NewVerifier(secret, nil)}))
	defer srv.Close()
	tok := token(t, auditor)
	for range 50 {
		require.Equal(t, 200, call(t, srv, "GET", "/v1/lhcs", tok, nil).status)
	}
}

// stalledStore never completes an append: it waits for the request's context to end.
type stalledStore struct {
	eventstore.Store
}

func (s stalledStore) Append(ctx context.Context, _ string, _ eventstore.ExpectedRevision, _ ...eventstore.Event) (eventstore.AppendResult, error) {
	<-ctx.Done()
	return eventstore.AppendResult{}, ctx.Err()
}

func TestRequestTimeoutAnswers503(t *testing.T) {
	s := startServer(t, t.TempDir())
	stalled := stalledStore{s.store}
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(stalled, command.Options{}), Projections: s.proj,
		Store: stalled, Tokens: auth.NewVerifier(secret, nil), RequestTimeout: 100 * time.Millisecond}))
	defer srv.Close()
	head := s.head()
	r := call(t, srv, "POST", "/v1/organisations", token(t, admin), strings.NewReader(`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`))
	requireProblem(t, r, http.StatusServiceUnavailable, "timeout")
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Contains(t, r.json(t)["detail"], "Idempotency-Key", "the client is told how to find out whether it was recorded")
	assert.Equal(t, head, s.head())
}

func TestBodyLimit(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	const limit = 1 << 20
	tok := token(t, admin)
	// A body of exactly the limit is read and judged on its content (a name far too long: 422).
	name := strings.Repeat("n", limit-len(`{"ods_code":"5LA","name":"","kind":"pct","sha_code":"Q36"}`))
	atLimit := fmt.Sprintf(`{"ods_code":"5LA","name":"%s","kind":"pct","sha_code":"Q36"}`, name)
	require.Len(t, atLimit, limit)
	head := s.head()
	r := call(t, s.http, "POST", "/v1/organisations", tok, strings.NewReader(atLimit))
	assert.Equal(t, 422, r.status, string(r.body[:min(len(r.body), 300)]))

	over := atLimit[:len(atLimit)-1] + ` }`
	for _, tc := range []struct {
		name string
		body io.Reader
	}{
		{"with Content-Length", strings.NewReader(over)},
		{"chunked", io.MultiReader(bytes.NewReader([]byte(over)))}, // unknown length: sent chunked
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s.http, "POST", "/v1/organisations", tok, tc.body)
			requireProblem(t, r, http.StatusRequestEntityTooLarge, "body_too_large")
			assert.Equal(t, "body", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
		})
	}
	assert.Equal(t, head, s.head(), "nothing was written")
}
