package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/projections"
)

// benchScale gives over 10,000 plans: the synthetic LHCs add about 54 per scale step.
const benchScale = 190

// BenchmarkPages renders the busiest pages over a ledger of about 10,000 plans, server time only
// (handler to bytes, no network): the overview, and the SHA with the most plans.
func BenchmarkPages(b *testing.B) {
	store := demoStore(b, benchScale)
	h, proj := handler(b, store)
	plans := proj.Plans(projections.PlanFilter{})
	require.GreaterOrEqual(b, len(plans), 10000)
	perSHA := map[string]int{}
	for _, p := range plans {
		perSHA[p.SHACode]++
	}
	busiest := ""
	for sha, n := range perSHA {
		if busiest == "" || n > perSHA[busiest] {
			busiest = sha
		}
	}
	b.Logf("%d plans; busiest SHA %s with %d", len(plans), busiest, perSHA[busiest])
	tok := token(b, auditor)
	for _, page := range []struct{ name, path string }{
		{"overview", "/"},
		{"overview round", "/?round=2009-10"},
		{"overview as of", "/?round=2009-10&as_of=2009-10-01T00:00"},
		{"sha", "/shas/" + busiest},
		{"sha round", "/shas/" + busiest + "?round=2009-10"},
		{"sha as of", "/shas/" + busiest + "?as_of=2009-10-01T00:00"},
		{"plan", "/plans/" + plans[len(plans)/2].PlanID},
		{"plan as of", "/plans/" + plans[len(plans)/2].PlanID + "?as_of=2009-10-01T00:00"},
		{"sro", "/organisations/5K5/sro"},
		{"sro as of", "/organisations/5K5/sro?as_of=2009-10-01T00:00"},
	} {
		b.Run(page.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, page.path, nil)
			req.AddCookie(&http.Cookie{Name: "ledger_session", Value: tok})
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", page.path, rec.Code)
				}
			}
		})
	}
}
