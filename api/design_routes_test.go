package api

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
)

// docs/design.md section 7 is the routes table the README points to: every route the server
// registers (but OPTIONS and HEAD, which every path answers) is in it, with its method. A row may
// group paths ("GET `/v1/organisations`, `/v1/lhcs`") or shorten a sibling ("`.../lapse`").
func TestDesignListsEveryRoute(t *testing.T) {
	raw, err := os.ReadFile("../docs/design.md")
	require.NoError(t, err)
	doc := string(raw)
	start := strings.Index(doc, "\n## 7. HTTP API\n")
	require.GreaterOrEqual(t, start, 0, "docs/design.md has no section \"## 7. HTTP API\"")
	section := doc[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := strings.Split(section, "\n")

	e := New(Config{})
	seen := 0
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || r.Method == http.MethodOptions || r.Method == http.MethodHead {
			continue
		}
		seen++
		path := echoToOpenAPI(r.Path)
		short := "`..." + path[strings.LastIndex(path, "/"):] + "`"
		found := false
		for _, row := range rows {
			if !strings.HasPrefix(row, "| "+r.Method+" ") {
				continue
			}
			for _, end := range []string{"`", "?", " "} {
				found = found || strings.Contains(row, "`"+path+end)
			}
			found = found || strings.Contains(row, short)
		}
		require.True(t, found, "docs/design.md section 7 has no row for %s %s: add it to the routes table, with who may call it", r.Method, path)
	}
	require.Greater(t, seen, 20, "the server registered %d routes: the test no longer finds them", seen)
}
