package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignIn(t *testing.T) {
	h, _ := handler(t, demoStore(t, 1))
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	tls := httptest.NewTLSServer(h)
	t.Cleanup(tls.Close)
	good := token(t, auditor)

	for _, tc := range []struct {
		name      string
		srv       *httptest.Server
		form      url.Values
		origin    string
		status    int
		location  string
		cookie    bool
		secure    bool
		bodyHasnt string
	}{
		{name: "good token", srv: plain, form: url.Values{"token": {good}, "next": {"/shas/Q36?round=2009-10"}}, status: http.StatusSeeOther, location: "/shas/Q36?round=2009-10", cookie: true},
		{name: "good token over TLS", srv: tls, form: url.Values{"token": {good}}, status: http.StatusSeeOther, location: "/", cookie: true, secure: true},
		{name: "same origin", srv: plain, form: url.Values{"token": {good}}, origin: "same", status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "next off site", srv: plain, form: url.Values{"token": {good}, "next": {"//evil.example/x"}}, status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "next with a scheme", srv: plain, form: url.Values{"token": {good}, "next": {"https://evil.example/"}}, status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "next with a tab browsers drop", srv: plain, form: url.Values{"token": {good}, "next": {"/\t/evil.example"}}, status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "next with a newline", srv: plain, form: url.Values{"token": {good}, "next": {"/\n/evil.example"}}, status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "next with a backslash", srv: plain, form: url.Values{"token": {good}, "next": {"/\\evil.example"}}, status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "bad token", srv: plain, form: url.Values{"token": {good + "x"}}, status: http.StatusUnauthorized, bodyHasnt: good},
		{name: "no token", srv: plain, form: url.Values{}, status: http.StatusUnauthorized},
		{name: "posted from another site", srv: plain, form: url.Values{"token": {good}}, origin: "https://evil.example", status: http.StatusForbidden},
		{name: "a browser says same origin", srv: plain, form: url.Values{"token": {good}}, origin: "fetch:same-origin", status: http.StatusSeeOther, location: "/", cookie: true},
		{name: "a browser says cross site", srv: plain, form: url.Values{"token": {good}}, origin: "fetch:cross-site", status: http.StatusForbidden},
		{name: "a null origin without fetch metadata", srv: plain, form: url.Values{"token": {good}}, origin: "null", status: http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			switch tc.origin {
			case "":
			case "same":
				headers = []string{"Origin", tc.srv.URL}
			case "fetch:same-origin", "fetch:cross-site":
				headers = []string{"Origin", "null", "Sec-Fetch-Site", strings.TrimPrefix(tc.origin, "fetch:")}
			default:
				headers = []string{"Origin", tc.origin}
			}
			client := tc.srv.Client()
			client.CheckRedirect = noRedirects().CheckRedirect
			resp := postForm(t, client, tc.srv.URL+"/login", tc.form, headers...)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.location, resp.Header.Get("Location"))
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "ledger_session" {
					session = c
				}
			}
			if !tc.cookie {
				assert.Nil(t, session)
				body, _ := io.ReadAll(resp.Body)
				if tc.status == http.StatusUnauthorized {
					assert.Contains(t, string(body), `<label for="token">`, "the form is shown again")
				}
				if tc.bodyHasnt != "" {
					assert.NotContains(t, string(body), tc.bodyHasnt, "a refused token is not echoed")
				}
				return
			}
			require.NotNil(t, session)
			assert.Equal(t, good, session.Value)
			assert.True(t, session.HttpOnly)
			assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
			assert.Equal(t, tc.secure, session.Secure)
			assert.Equal(t, "/", session.Path)
		})
	}
}

func TestPagesNeedASignIn(t *testing.T) {
	h, _ := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	expired := token(t, auditor)
	for _, tc := range []struct{ name, path, tok string }{
		{"no cookie", "/?round=2009-10", ""},
		{"a cookie that is not a token", "/shas/Q36", "nonsense"},
		{"a token with a bad signature", "/organisations/5K5/sro", expired[:len(expired)-2] + "xx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, srv, tc.path, tc.tok)
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/login?next="+url.QueryEscape(tc.path), resp.Header.Get("Location"))
		})
	}
	t.Run("signing out clears the cookie", func(t *testing.T) {
		resp := postForm(t, noRedirects(), srv.URL+"/logout", url.Values{})
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Len(t, resp.Cookies(), 1)
		assert.Equal(t, "ledger_session", resp.Cookies()[0].Name)
		assert.Less(t, resp.Cookies()[0].MaxAge, 0)
	})
	t.Run("the API still answers problem+json for unknown paths", func(t *testing.T) {
		resp := get(t, srv, "/nothing-here", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "application/problem+json")
	})
}
