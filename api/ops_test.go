package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

func TestOperationalEndpoints(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	assert.Equal(t, 200, s.do("GET", "/healthz", nil, nil).status)
	ready := s.must(200, "GET", "/readyz", nil, nil)
	assert.Equal(t, "ready", ready["status"])

	metrics := s.do("GET", "/metrics", nil, nil)
	require.Equal(t, 200, metrics.status)
	assert.Contains(t, string(metrics.body), `ledger_http_requests_total{method="POST",route="/v1/organisations",status="201"} 5`)
	assert.Contains(t, string(metrics.body), "go_goroutines")

	resp := s.do("GET", "/v1/plans", &auditor, nil)
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		assert.Equal(t, want, resp.header.Get(h), h)
	}
	assert.NotEmpty(t, resp.header.Get("X-Request-Id"))

	missing := s.do("GET", "/v1/nothing-here", &auditor, nil)
	assert.Equal(t, 404, missing.status)
	assert.Equal(t, "application/problem+json", missing.header.Get("Content-Type"))
}

func TestNotReadyUntilProjectionsCatchUp(t *testing.T) {
	s := startServer(t, t.TempDir())
	idle := projections.New(s.store, nil) // never run
	srv := httptest.NewServer(api.New(api.Config{Projections: idle, Store: s.store, Tokens: auth.NewVerifier(secret, nil)}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLogsNeverHoldTokensOrSecrets(t *testing.T) {
	var logs syncBuffer
	s := startServer(t, t.TempDir())
	srv := httptest.NewServer(api.New(api.Config{Projections: s.proj, Store: s.store, Tokens: auth.NewVerifier(secret, nil),
		Log: slog.New(slog.NewJSONHandler(&logs, nil))}))
	defer srv.Close()
	tok := token(t, auditor)
	for _, path := range []string{"/v1/plans?access_token=" + tok, "/v1/organisations"} {
		req := httptest.NewRequest("GET", srv.URL+path, nil)
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	bad := httptest.NewRequest("GET", srv.URL+"/v1/plans", nil)
	bad.RequestURI = ""
	bad.Header.Set("Authorization", "Bearer "+tok+"x")
	resp, err := srv.Client().Do(bad)
	require.NoError(t, err)
	resp.Body.Close()

	out := logs.String()
	require.Contains(t, out, `"path":"/v1/plans"`, "requests are logged")
	assert.Contains(t, out, `"actor":"au-1"`)
	for _, secretish := range []string{tok, strings.Split(tok, ".")[2], string(secret)} {
		assert.NotContains(t, out, secretish)
	}
}

// reportingStore gives the embedded store the connection health a networked store reports, so
// that readiness and metrics can be checked without a database server.
type reportingStore struct {
	eventstore.Store
	mu     sync.Mutex
	health eventstore.Health
}

func (r *reportingStore) Health() eventstore.Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.health
}

func (r *reportingStore) set(h eventstore.Health) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health = h
}

func TestStoreHealthInReadinessAndMetrics(t *testing.T) {
	s := startServer(t, t.TempDir())
	store := &reportingStore{Store: s.store}
	srv := httptest.NewServer(api.New(api.Config{Projections: s.proj, Store: store, Tokens: auth.NewVerifier(secret, nil)}))
	defer srv.Close()

	get := func(path string) (int, http.Header, string) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(body)
	}
	for _, tc := range []struct {
		name        string
		health      eventstore.Health
		status      int
		body        []string
		metricLines []string
	}{
		{"connected", eventstore.Health{Connected: true, Reconnects: 2, LastError: "earlier trouble"}, 200,
			[]string{`"status":"ready"`, `"store":{"connected":true,"reconnects":2,"last_error":"earlier trouble"}`},
			[]string{"ledger_store_connected 1", "ledger_store_reconnects_total 2"}},
		{"unreachable", eventstore.Health{Connected: false, Reconnects: 3, LastError: "connection refused"}, 503,
			[]string{`"code":"store_unreachable"`, `connection refused`},
			[]string{"ledger_store_connected 0", "ledger_store_reconnects_total 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store.set(tc.health)
			status, header, body := get("/readyz")
			assert.Equal(t, tc.status, status)
			for _, want := range tc.body {
				assert.Contains(t, body, want)
			}
			if status == 503 {
				assert.Equal(t, "application/problem+json", header.Get("Content-Type"))
				assert.Equal(t, "1", header.Get("Retry-After"))
			}
			_, _, metrics := get("/metrics")
			for _, want := range tc.metricLines {
				assert.Contains(t, metrics, want)
			}
		})
	}
}

func TestEmbeddedStoreReportsNoConnection(t *testing.T) {
	s := startServer(t, t.TempDir())
	ready := s.must(200, "GET", "/readyz", nil, nil)
	assert.NotContains(t, ready, "store", "the embedded store has no connection to report")
	metrics := s.do("GET", "/metrics", nil, nil)
	assert.NotContains(t, string(metrics.body), "ledger_store_connected")
}
