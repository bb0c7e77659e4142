package web

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
)

// sessionCookie holds the bearer token itself: the dashboard keeps no sessions of its own, so a page
// is allowed exactly when the API would allow the same token, and signing out (which revokes the
// token) or the token's expiry ends access.
const sessionCookie = auth.SessionCookie

const actorKey = "web_actor"

// maxLoginBody bounds the login form: a token is a few hundred bytes.
const maxLoginBody = 16 << 10

type loginPage struct {
	base
	Next  string
	Error string
}

func (d *dashboard) loginForm(c echo.Context) error {
	return d.render(c, http.StatusOK, "login", loginPage{base: base{Title: "Sign in"}, Next: localPath(c.QueryParam("next"))})
}

// login takes the token from a POST form, so that it never sits in a URL, history or access log.
// The one-click URL of "ledger token --login-url" carries it in the fragment, which browsers do not
// send; login.js moves it into this form, and the visitor posts it.
func (d *dashboard) login(c echo.Context) error {
	r := c.Request()
	if !d.sameOrigin(r) {
		return d.errorPage(c, http.StatusForbidden, "Sign-in refused", "The sign-in form was posted from another site.")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxLoginBody)
	token := strings.TrimSpace(r.PostFormValue("token"))
	next := localPath(r.PostFormValue("next"))
	actor, err := d.Tokens.Verify(token)
	if token == "" || err != nil {
		msg := "Paste a bearer token."
		if token != "" {
			msg = "That token was not accepted: " + strings.TrimPrefix(err.Error(), "invalid token: ") + "."
		}
		return d.render(c, http.StatusUnauthorized, "login", loginPage{base: base{Title: "Sign in"}, Next: next, Error: msg})
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: d.secure(c),
	})
	d.Log.Info("dashboard sign-in", "actor", actor.PersonID, "role", string(actor.Role), "org", actor.Org)
	return c.Redirect(http.StatusSeeOther, next)
}

// logout revokes the cookie's token, so that the same value copied elsewhere (a bearer header, a
// stolen cookie) no longer works either, then deletes the cookie.
func (d *dashboard) logout(c echo.Context) error {
	if !d.sameOrigin(c.Request()) {
		return d.errorPage(c, http.StatusForbidden, "Sign-out refused", "The sign-out form was posted from another site.")
	}
	// Every token the cookies hold is revoked: with two (conflicting credentials, which every page
	// refuses) signing out is the way back.
	for _, tok := range sessionTokens(c.Request()) {
		if actor, err := d.Tokens.Verify(tok); err == nil {
			if _, err := d.Tokens.Revoke(tok); err != nil {
				d.Log.Error("dashboard sign-out: the token could not be revoked", "actor", actor.PersonID, "error", err.Error())
				return d.errorPage(c, http.StatusServiceUnavailable, "Sign-out failed",
					"Your token could not be revoked, so you are still signed in. Try again in a moment.")
			}
			d.Log.Info("dashboard sign-out", "actor", actor.PersonID, "role", string(actor.Role), "org", actor.Org)
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: d.secure(c)})
	return c.Redirect(http.StatusSeeOther, "/login")
}

// signedIn lets through a request whose cookie holds a valid token and sends anyone else to sign
// in, coming back to the page they asked for.
func (d *dashboard) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tokens := sessionTokens(c.Request()); len(tokens) > 0 {
			if conflict := auth.ConflictingCredentials(c.Request()); conflict != "" {
				return d.errorPage(c, http.StatusBadRequest, "Conflicting credentials", conflict)
			}
			if actor, err := d.Tokens.Verify(tokens[0]); err == nil {
				c.Set(actorKey, actor)
				if d.Limit != nil {
					if wait, ok := d.Limit(actor.PersonID); !ok {
						secs := max(1, int(math.Ceil(wait.Seconds())))
						c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
						return d.errorPage(c, http.StatusTooManyRequests, "Too many requests",
							fmt.Sprintf("You have sent more requests than the ledger allows one person. Try again in %d s.", secs))
					}
				}
				return next(c)
			}
		}
		if err := d.takeAddress(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
}

// sessionTokens are the distinct tokens r's session cookies hold, in order; an empty cookie (what
// sign-out leaves) holds none.
func sessionTokens(r *http.Request) []string {
	var out []string
	for _, ck := range r.CookiesNamed(sessionCookie) {
		if ck.Value != "" && !slices.Contains(out, ck.Value) {
			out = append(out, ck.Value)
		}
	}
	return out
}

// limitAddress limits by client address what anyone may ask for without signing in.
func (d *dashboard) limitAddress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := d.takeAddress(c); err != nil {
			return err
		}
		return next(c)
	}
}

// takeAddress spends one of the client address's requests, answering a readable 429 when none
// is left.
func (d *dashboard) takeAddress(c echo.Context) error {
	if d.LimitAddress == nil {
		return nil
	}
	wait, ok := d.LimitAddress(c.RealIP())
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return d.errorPage(c, http.StatusTooManyRequests, "Too many requests",
		fmt.Sprintf("This address has sent more requests than the ledger allows. Try again in %d s.", secs))
}

// secure says whether the visitor reached the dashboard over HTTPS: this connection is TLS, the
// public address is https, or a trusted proxy says so in X-Forwarded-Proto. The header is believed
// only from a trusted proxy, or any client could have a cookie marked or unmarked at will.
func (d *dashboard) secure(c echo.Context) bool {
	r := c.Request()
	if r.TLS != nil || (d.PublicURL != nil && d.PublicURL.Scheme == "https") {
		return true
	}
	if len(d.TrustedProxies) == 0 || !strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range d.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func actorOf(c echo.Context) domain.Actor {
	a, _ := c.Get(actorKey).(domain.Actor)
	return a
}

// localPath keeps a redirect target on this site: a path, never "//host" or a scheme. Browsers
// drop tabs and newlines from URLs and read "\\" as "/", so "/\t/evil.example" would become
// "//evil.example": any control character or backslash is refused outright.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsRune(p, '\\') || strings.ContainsFunc(p, unicode.IsControl) {
		return "/"
	}
	return p
}

// sameOrigin refuses a form posted from another site. SameSite=Strict already keeps the cookie off
// such requests; this also stops another site signing a visitor in under its own token. Browsers
// say where a request comes from in Sec-Fetch-Site; older ones only in Origin, which a page with
// no referrer sends as "null". A client that sends neither is not a browser, so not a victim. The
// sign-in link's own page never posts by itself (login.js), so a link to it from another site
// cannot sign a visitor in either. Behind a proxy, the public address's host counts as this site
// too: the proxy may pass on a Host of its own.
func (d *dashboard) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Host == r.Host || (d.PublicURL != nil && u.Host == d.PublicURL.Host))
}
