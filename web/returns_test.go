package web_test

import (
	"context"
	"html"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/projections"
)

// The returns page shows why each LHC a return accounts for by an exception has no assured plan,
// as the return in force gives it, and whether the return still holds.
func TestReturnsPageShowsExceptionReasons(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rep, err := proj.CfHReturns(context.Background(), projections.CfHReturnsFilter{Round: "2009-10"})
	require.NoError(t, err)
	resp := get(t, srv, "/returns?round=2009-10", token(t, auditor))
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	page := string(body)
	shown := 0
	for _, r := range rep.Rows {
		for _, x := range r.ExceptionReasons {
			assert.Contains(t, page, `<div data-lhc="`+x.LHCID+`"><strong>`+x.LHCID+`</strong>: `+html.EscapeString(x.Reason)+`</div>`, r.SHACode)
			shown++
		}
		assert.False(t, r.Stale, "the demo's returns hold: %s %v", r.SHACode, r.StaleReasons)
	}
	assert.Positive(t, shown, "the demo's returns have exceptions")
	assert.Contains(t, page, `<th scope="col">Exceptions</th>`)
}
