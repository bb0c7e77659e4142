package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/auth"
	"assurance-ledger/eventstore"
	"assurance-ledger/history"
	"assurance-ledger/projections"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the dashboard reads from: the API's projections, store and token verifier.
type Config struct {
	Projections *projections.Projector
	Store       eventstore.Store
	Tokens      *auth.Verifier
	Log         *slog.Logger
	// Limit spends one of a signed-in person's requests, or says how long to wait: the API's
	// per-person limit (api.RateLimit.TakePerson), so pages are no way round it. nil: no limit.
	Limit func(personID string) (retryAfter time.Duration, ok bool)
	// Expensive admits one of a person's expensive reads (a page as of a past time), or says no:
	// the API's gate (api.ReadGate.Enter), shared so that pages are no way round it. nil: no bound.
	Expensive func(personID string) (release func(), ok bool)
	// LimitAddress does the same for a client address that is not signed in (the sign-in form,
	// the stylesheet and script, a page that sends the visitor to sign in):
	// api.RateLimit.TakeAddress. nil: no limit.
	LimitAddress func(ip string) (retryAfter time.Duration, ok bool)
	// PublicURL is where people reach the dashboard when a proxy ending TLS stands in front of
	// it: an https URL makes the session cookie Secure whatever the connection to this server.
	PublicURL *url.URL
	// TrustedProxies are the addresses (of such a proxy) whose X-Forwarded-Proto: https is
	// believed; from any other address the header is ignored.
	TrustedProxies []netip.Prefix
}

type dashboard struct {
	Config
	pages map[string]*template.Template
	// api answers the requests the dashboard hands on to the API (the evidence bundle download).
	api     http.Handler
	history *history.Reader
}

// pageNames are the templates under templates/, each rendered inside layout.html.
var pageNames = []string{"overview", "sha", "plan", "sro", "criteria", "returns", "delivery", "login", "error"}

// Mount adds the dashboard's routes to the API's Echo instance, so that one binary and one port
// serve both, with the API's middleware (request ids, access log, metrics, recovery) in front.
func Mount(e *echo.Echo, cfg Config) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	d := &dashboard{Config: cfg, pages: parsePages(), api: e, history: history.New(cfg.Store)}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	// Every page answers HEAD as well as GET, as RFC 9110 (section 9.3.2) requires of a server.
	get := func(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
		e.GET(path, h, mw...)
		e.HEAD(path, h, mw...)
	}
	get("/static/*", staticFiles(static), pagePolicy, d.limitAddress)
	// Browsers ask for /favicon.ico on every visit whatever a page links: the page's own icon
	// answers it, rather than a 404 in every access log.
	get("/favicon.ico", favicon(static), pagePolicy, d.limitAddress)
	get("/login", d.loginForm, pagePolicy, d.limitAddress)
	e.POST("/login", d.login, pagePolicy, d.limitAddress)
	e.POST("/logout", d.logout, pagePolicy, d.limitAddress)
	// Every signed-in role may open every page, as it may call every read route of the API the
	// pages show (api/server.go): only sign-in is checked. Page routes take their middleware one by
	// one: an Echo group on "/" would also claim every
	// unknown path, and the API's 404s must stay problem+json.
	signedIn := []echo.MiddlewareFunc{pagePolicy, d.signedIn}
	get("/", d.overview, signedIn...)
	get("/criteria", d.criteria, signedIn...)
	get("/returns", d.returns, signedIn...)
	get("/shas/:code", d.sha, signedIn...)
	get("/plans/:id", d.plan, signedIn...)
	get("/plans/:id/delivery", d.delivery, signedIn...)
	get("/organisations/:ods/sro", d.sro, signedIn...)
	get("/organisations/:ods/sro/bundle", d.bundle, signedIn...)
}

func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// staticFiles serves the files under static/ and nothing else: a directory (the folder itself
// included) is 404, where http.FileServer would list it.
func staticFiles(static fs.FS) echo.HandlerFunc {
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return func(c echo.Context) error {
		name := c.Param("*")
		if fi, err := fs.Stat(static, name); err != nil || fi.IsDir() || name == "" || strings.HasSuffix(name, "/") {
			return echo.ErrNotFound
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// favicon answers with the dashboard's icon (static/icon.svg), which browsers cache for a day.
func favicon(static fs.FS) echo.HandlerFunc {
	icon, err := fs.ReadFile(static, "icon.svg")
	if err != nil {
		panic(err)
	}
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		return c.Blob(http.StatusOK, "image/svg+xml", icon)
	}
}

// pagePolicy replaces the API's "nothing at all" content security policy with one that lets a page
// load its own stylesheet and script and nothing else: no inline script, no third party.
func pagePolicy(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The API sends no referrer at all; pages send it to themselves only, so that a browser
		// still tells the sign-in form where a post came from.
		c.Response().Header().Set("Referrer-Policy", "same-origin")
		c.Response().Header().Set("Content-Security-Policy",
			"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		return next(c)
	}
}

// render writes a page; a template failure is logged and becomes a plain 500, never half a page.
func (d *dashboard) render(c echo.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		d.Log.Error("rendering a dashboard page", "page", name, "error", err.Error())
		return c.String(http.StatusInternalServerError, "the page could not be rendered")
	}
	return c.HTMLBlob(status, buf.Bytes())
}
