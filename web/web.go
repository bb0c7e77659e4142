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
	e.GET("/static/*", staticFiles(static), pagePolicy, d.limitAddress)
	e.GET("/login", d.loginForm, pagePolicy, d.limitAddress)
	e.POST("/login", d.login, pagePolicy, d.limitAddress)
	e.POST("/logout", d.logout, pagePolicy, d.limitAddress)
	// Every signed-in role may open every page, as it may call every read route of the API the
	// pages show (api/server.go): only sign-in is checked. Page routes take their middleware one by
	// one: an Echo group on "/" would also claim every
	// unknown path, and the API's 404s must stay problem+json.
	signedIn := []echo.MiddlewareFunc{pagePolicy, d.signedIn}
	e.GET("/", d.overview, signedIn...)
	e.GET("/criteria", d.criteria, signedIn...)
	e.GET("/returns", d.returns, signedIn...)
	e.GET("/shas/:code", d.sha, signedIn...)
	e.GET("/plans/:id", d.plan, signedIn...)
	e.GET("/plans/:id/delivery", d.delivery, signedIn...)
	e.GET("/organisations/:ods/sro", d.sro, signedIn...)
	e.GET("/organisations/:ods/sro/bundle", d.bundle, signedIn...)
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
