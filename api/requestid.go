package api

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/labstack/echo/v4"
)

// maxRequestIDLen bounds a request id taken from the client. The id is logged with every line of
// the request and sealed into each event the request records (its correlation_id), for ever.
const maxRequestIDLen = 64

// requestID sets the response's X-Request-ID: the client's, when it is a short token of letters,
// digits, '.', '_' and '-' (what tracing systems send), else a fresh one. Anything else a client
// sends (40 KB, control characters, JSON) would otherwise be kept verbatim in the signed log.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// validRequestID reports whether id matches [A-Za-z0-9._-]{1,64}.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
