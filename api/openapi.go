package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the OpenAPI 3.1 description of every route New registers. openapi_test.go
// keeps the two in step, in both directions.
//
//go:embed openapi.json
var openAPIDocument []byte

// serveOpenAPI answers GET /openapi.json with the embedded document, byte for byte.
func serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}

// OpenAPI returns a copy of the OpenAPI document: the list of what the server answers, which
// ledger audit walks to ask the server and the mirror the same questions.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }
