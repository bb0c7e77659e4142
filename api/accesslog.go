package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// accessLog writes one structured line per request. It logs the path without the query (as_of and
// filters are harmless, but nothing secret should ever be logged by accident) and never a header,
// so tokens cannot reach the log.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := statusOf(c, err)
			attrs := []any{
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method,
				"path", c.Request().URL.Path,
				"route", c.Path(),
				"status", status,
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
				"remote", c.RealIP(),
			}
			if a := actorOf(c); a.PersonID != "" {
				attrs = append(attrs, "actor", a.PersonID, "role", string(a.Role), "org", a.Org)
			}
			log.Info("request", attrs...)
			return err
		}
	}
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
