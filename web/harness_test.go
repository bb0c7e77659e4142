package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

var secret = []byte("test-secret-test-secret-test-secret")

// demoStore is an embedded store seeded with the demo data set at scale, closed when the test ends.
func demoStore(tb testing.TB, scale int) eventstore.Store {
	tb.Helper()
	return demotest.Store(tb, scale)
}

func TestMain(m *testing.M) {
	code := m.Run()
	closeChromium()
	demotest.Cleanup()
	os.Exit(code)
}

// handler is the API with the dashboard mounted, as "ledger serve" builds it, over a store whose
// projections have caught up.
func handler(tb testing.TB, store eventstore.Store) (http.Handler, *projections.Projector) {
	tb.Helper()
	proj := projections.New(store, nil)
	require.NoError(tb, proj.CatchUp(context.Background()))
	tokens := auth.NewVerifier(secret, nil)
	e := api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store, Tokens: tokens})
	web.Mount(e, web.Config{Projections: proj, Store: store, Tokens: tokens})
	return e, proj
}

func token(tb testing.TB, a domain.Actor) string {
	tb.Helper()
	tok, err := auth.Mint(secret, a, time.Now(), time.Hour)
	require.NoError(tb, err)
	return tok
}

var (
	auditor  = domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}
	londonSA = domain.Actor{PersonID: "sa-1", Name: "Sam Assurer", Role: domain.RoleSHAAssurer, Org: "Q36"}
)

// noRedirects is a client that reports redirects instead of following them.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches path from srv, signed in with tok when it is not empty.
func get(tb testing.TB, srv *httptest.Server, path, tok string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(tb, err)
	if tok != "" {
		req.AddCookie(&http.Cookie{Name: "ledger_session", Value: tok})
	}
	resp, err := noRedirects().Do(req)
	require.NoError(tb, err)
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

// apiGet calls the API with tok as the bearer token.
func apiGet(tb testing.TB, srv *httptest.Server, path, tok string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(tb, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

func postForm(tb testing.TB, client *http.Client, target string, form url.Values, headers ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(tb, err)
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}
