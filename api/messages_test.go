package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// What Echo itself refuses is said in words a reader can act on, not Echo's bare status text.
func TestRoutingRefusalsSayWhatToDo(t *testing.T) {
	s := startServer(t, t.TempDir())
	for _, tc := range []struct {
		method, path string
		status       int
		detail       string
	}{
		{http.MethodGet, "/v1/no-such-thing", http.StatusNotFound, "nothing is served at this path; /openapi.json lists the routes"},
		{http.MethodDelete, "/v1/organisations", http.StatusMethodNotAllowed, "this path does not answer that method; the Allow header lists the ones it does"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := s.do(tc.method, tc.path, &auditor, nil)
			assert.Equal(t, tc.status, r.status)
			assert.Equal(t, tc.detail, r.json(t)["detail"])
		})
	}
}
