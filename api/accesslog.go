package api

import (
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// maxLoggedPath bounds the path a log line copies from the request: enough for every route's
// longest path (a plan id and a suffix), not a 64 KB request line written once per request.
const maxLoggedPath = 160

// maxLoggedActor bounds the person id a log line copies from the token. The verifier already
// refuses one over 200 characters (domain.Actor.Check), which may still be 800 bytes; a log line
// needs enough to find the person, and the events record the whole id.
const maxLoggedActor = 64

// accessLog writes one structured line per request. It logs the path without the query (as_of and
// filters are harmless, but nothing secret should ever be logged by accident) and never a header,
// so tokens cannot reach the log. What it copies from the request is bounded: the method as a
// label (routes.go), the path cut at maxLoggedPath bytes, the request id as requestID accepted it,
// and from a verified token the person id cut at maxLoggedActor bytes, the role (one of seven) and
// the ODS code.
func accessLog(log *slog.Logger, routes *routeTable) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := statusOf(c, err)
			attrs := []any{
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", methodLabel(c.Request().Method),
				"path", loggedPath(c.Request().URL.Path),
				"route", routes.routeLabel(c),
				"status", status,
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
				"remote", c.RealIP(),
			}
			if a := actorOf(c); a.PersonID != "" {
				attrs = append(attrs, "actor", cut(a.PersonID, maxLoggedActor), "role", string(a.Role), "org", a.Org)
			}
			log.Info("request", attrs...)
			return err
		}
	}
}

// loggedPath is path cut to maxLoggedPath bytes (on a rune boundary), marked when cut.
func loggedPath(path string) string { return cut(path, maxLoggedPath) }

// cut is s cut to at most n bytes (on a rune boundary), marked "…" when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	at := n
	for at > 0 && !utf8.RuneStart(s[at]) {
		at--
	}
	return s[:at] + "…"
}
