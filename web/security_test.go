package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

// Regression tests of issue 19 (security hardening) for the dashboard, each against a running
// server over HTTP. The README's "Security" table names them.

// secureServer is the API with the dashboard mounted as the service builds it: tokens checked
// against a revocation list in dir, one rate limit for people and addresses.
func secureServer(t *testing.T, dir string, cfg web.Config, limit *api.RateLimit) (*httptest.Server, *auth.Verifier) {
	t.Helper()
	store := demoStore(t, 1)
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	revs, err := auth.OpenRevocations(dir, nil)
	require.NoError(t, err)
	tokens := auth.NewVerifier(secret, nil, auth.WithRevocations(revs))
	e := api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store, Tokens: tokens, Limit: limit})
	cfg.Projections, cfg.Store, cfg.Tokens = proj, store, tokens
	if limit != nil {
		cfg.Limit, cfg.LimitAddress = limit.TakePerson, limit.TakeAddress
	}
	web.Mount(e, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv, tokens
}

func problemCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	return p.Code + ": " + p.Detail
}

func TestSignOutRevokesTheToken(t *testing.T) {
	dir := t.TempDir()
	srv, _ := secureServer(t, dir, web.Config{}, nil)
	tok := token(t, auditor)
	other := token(t, auditor) // the same person's other token stays valid
	require.Equal(t, http.StatusOK, get(t, srv, "/", tok).StatusCode)
	require.Equal(t, http.StatusOK, apiGet(t, srv, "/v1/plans", tok).StatusCode)

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/logout", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: "ledger_session", Value: tok})
	resp, err := noRedirects().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	after := apiGet(t, srv, "/v1/plans", tok)
	assert.Equal(t, http.StatusUnauthorized, after.StatusCode, "the cookie's value is no bearer token any more")
	assert.Contains(t, problemCode(t, after), "revoked")
	assert.Equal(t, http.StatusSeeOther, get(t, srv, "/", tok).StatusCode, "nor a cookie")
	assert.Equal(t, http.StatusOK, apiGet(t, srv, "/v1/plans", other).StatusCode)

	// Another server on the same data directory (a restart) refuses it too.
	srv2, _ := secureServer(t, dir, web.Config{}, nil)
	assert.Equal(t, http.StatusUnauthorized, apiGet(t, srv2, "/v1/plans", tok).StatusCode)
}

func TestSessionCookieIsSecureBehindATLSProxy(t *testing.T) {
	public, err := url.Parse("https://ledger.example.org")
	require.NoError(t, err)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name      string
		cfg       web.Config
		forwarded string
		secure    bool
	}{
		{"plain HTTP, no proxy", web.Config{}, "", false},
		{"a client claims https, no proxy trusted", web.Config{}, "https", false},
		{"an https public URL", web.Config{PublicURL: public}, "", true},
		{"a trusted proxy says https", web.Config{TrustedProxies: loopback}, "https", true},
		{"a trusted proxy says http", web.Config{TrustedProxies: loopback}, "http", false},
		{"an untrusted address says https", web.Config{TrustedProxies: elsewhere}, "https", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := secureServer(t, t.TempDir(), tc.cfg, nil)
			var headers []string
			if tc.forwarded != "" {
				headers = []string{"X-Forwarded-Proto", tc.forwarded}
			}
			resp := postForm(t, noRedirects(), srv.URL+"/login", url.Values{"token": {token(t, auditor)}}, headers...)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Len(t, resp.Cookies(), 1)
			assert.Equal(t, tc.secure, resp.Cookies()[0].Secure)
		})
	}
}

func TestStaticListsNoDirectory(t *testing.T) {
	srv, _ := secureServer(t, t.TempDir(), web.Config{}, nil)
	for path, want := range map[string]int{
		"/static/":          http.StatusNotFound,
		"/static":           http.StatusNotFound,
		"/static/./":        http.StatusNotFound,
		"/static/style.css": http.StatusOK,
		"/static/login.js":  http.StatusOK,
		"/static/nothing":   http.StatusNotFound,
	} {
		resp := get(t, srv, path, "")
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, want, resp.StatusCode, path)
		assert.NotContains(t, string(body), `<a href="style.css">`, "%s lists the directory", path)
	}
}

func TestPagesRefuseConflictingCredentials(t *testing.T) {
	srv, _ := secureServer(t, t.TempDir(), web.Config{}, nil)
	mine, theirs := token(t, auditor), token(t, londonSA)
	for _, tc := range []struct {
		name, cookie, header string
		want                 int
	}{
		{"the cookie alone", "ledger_session=" + mine, "", http.StatusOK},
		{"the same token in both", "ledger_session=" + mine, "Bearer " + mine, http.StatusOK},
		{"different tokens", "ledger_session=" + mine, "Bearer " + theirs, http.StatusBadRequest},
		// Two session cookies: which one a page went by depended on their order.
		{"a valid cookie, then garbage", "ledger_session=" + mine + "; ledger_session=garbage", "", http.StatusBadRequest},
		{"garbage, then a valid cookie", "ledger_session=garbage; ledger_session=" + mine, "", http.StatusBadRequest},
		{"two people's cookies", "ledger_session=" + mine + "; ledger_session=" + theirs, "", http.StatusBadRequest},
		{"the same cookie twice", "ledger_session=" + mine + "; ledger_session=" + mine, "", http.StatusOK},
		{"an emptied cookie, then a valid one", "ledger_session=; ledger_session=" + mine, "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
			require.NoError(t, err)
			req.Header.Set("Cookie", tc.cookie)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := noRedirects().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
}

// Signing out with two session cookies, which every page refuses, revokes both tokens: it is the
// way back to one.
func TestSignOutRevokesEveryCookiesToken(t *testing.T) {
	srv, _ := secureServer(t, t.TempDir(), web.Config{}, nil)
	mine, theirs := token(t, auditor), token(t, londonSA)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/logout", nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", "ledger_session="+mine+"; ledger_session="+theirs)
	resp, err := noRedirects().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, tok := range []string{mine, theirs} {
		assert.Equal(t, http.StatusUnauthorized, apiGet(t, srv, "/v1/plans", tok).StatusCode)
	}
}

// What anyone may ask for without signing in is limited by address, like a failed sign-in to
// the API: the sign-in form, the static files, and pages that send the visitor to sign in.
func TestAnonymousPagesAreRateLimited(t *testing.T) {
	for _, path := range []string{"/login", "/static/style.css", "/shas/Q36"} {
		t.Run(path, func(t *testing.T) {
			srv, _ := secureServer(t, t.TempDir(), web.Config{}, api.NewRateLimit(0.001, 3))
			for range 3 {
				assert.NotEqual(t, http.StatusTooManyRequests, get(t, srv, path, "").StatusCode)
			}
			resp := get(t, srv, path, "")
			assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			assert.Equal(t, http.StatusOK, get(t, srv, "/", token(t, auditor)).StatusCode, "a signed-in person has an allowance of their own")
		})
	}
}

// Every page answers HEAD as it answers GET, without the body: RFC 9110 requires HEAD of every
// server that answers GET, and it was 405.
func TestPagesAnswerHead(t *testing.T) {
	srv, _ := secureServer(t, t.TempDir(), web.Config{}, nil)
	tok := token(t, auditor)
	for _, path := range []string{"/", "/shas/Q36", "/organisations/5K5/sro", "/login", "/static/style.css", "/plans/not-a-plan"} {
		statuses := map[string]int{}
		types := map[string]string{}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, err := http.NewRequest(method, srv.URL+path, nil)
			require.NoError(t, err)
			req.AddCookie(&http.Cookie{Name: "ledger_session", Value: tok})
			resp, err := noRedirects().Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			statuses[method], types[method] = resp.StatusCode, resp.Header.Get("Content-Type")
			if method == http.MethodHead {
				assert.Empty(t, body, path)
			}
		}
		assert.NotEqual(t, http.StatusMethodNotAllowed, statuses[http.MethodHead], path)
		assert.Equal(t, statuses[http.MethodGet], statuses[http.MethodHead], path)
		assert.Equal(t, types[http.MethodGet], types[http.MethodHead], path)
	}
}
