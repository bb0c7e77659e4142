package api

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
)

// What the metrics and the access log copy from a request comes from closed sets: a method the
// HTTP specification names or "other", a route the server registered or "unmatched". A request
// line is the client's to choose (methods of 16 KB are valid tokens), and a label or log field
// taken from it verbatim grows memory and the log without bound.

const (
	otherMethod = "other"
	unmatched   = "unmatched"
)

// methodLabel is the request's method when HTTP defines it, else "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return otherMethod
}

// routeTable knows the routes registered on an Echo instance and with which methods. It is built
// on first use and rebuilt when a path it does not know turns up (a route registered after the
// first request: the dashboard mounts after New); Echo only ever reports a registered path or "",
// so a client cannot make it rebuild.
type routeTable struct {
	e       *echo.Echo
	mu      sync.Mutex
	methods atomic.Pointer[map[string]map[string]bool]
}

func newRouteTable(e *echo.Echo) *routeTable { return &routeTable{e: e} }

// lookup says whether path is a registered route and whether it answers method.
func (t *routeTable) lookup(path, method string) (route, allowed bool) {
	if path == "" {
		return false, false
	}
	m := t.methods.Load()
	if m == nil || (*m)[path] == nil {
		m = t.rebuild()
	}
	ms, ok := (*m)[path]
	return ok, ms[method]
}

func (t *routeTable) rebuild() *map[string]map[string]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := map[string]map[string]bool{}
	for _, r := range t.e.Routes() {
		if m[r.Path] == nil {
			m[r.Path] = map[string]bool{}
		}
		// A catch-all for 404s is a registered template (so a label) that answers no method.
		if r.Method != echo.RouteNotFound {
			m[r.Path][r.Method] = true
		}
	}
	t.methods.Store(&m)
	return &m
}

// allow is the Allow header of path: OPTIONS, then its other methods in alphabetical order.
func (t *routeTable) allow(path string) string {
	t.lookup(path, "")
	methods := []string{}
	for m := range (*t.methods.Load())[path] {
		if m != http.MethodOptions {
			methods = append(methods, m)
		}
	}
	slices.Sort(methods)
	return strings.Join(append([]string{http.MethodOptions}, methods...), ", ")
}

// routeLabel is the route template the request matched, or "unmatched".
func (t *routeTable) routeLabel(c echo.Context) string {
	if route, _ := t.lookup(c.Path(), c.Request().Method); route {
		return c.Path()
	}
	return unmatched
}

// limitUnrouted limits, by client address, requests that match no route or not with their
// method: they reach no handler's own limit (the /v1 routes limit each person, the dashboard's
// pages likewise), yet each is logged and counted.
func (s *server) limitUnrouted(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, allowed := s.routes.lookup(c.Path(), c.Request().Method); !allowed {
			if err := s.limitAnonymous(c); err != nil {
				return err
			}
		}
		return next(c)
	}
}
