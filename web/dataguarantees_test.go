package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// Any time a page is asked "as of" answers the ledger as it stood then: before the first event the
// empty ledger, after the last the present. Times outside 1678-2262 used to wrap around.
func TestPagesAsOfAnyTime(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	plan := proj.Plans(projections.PlanFilter{SHA: "Q36", Round: "2009-10"})[0].PlanID
	last := proj.Applied()
	for _, tc := range []struct {
		name, path string
		status     int
		contains   string
	}{
		{"overview in 1425", "/?as_of=1425-01-01T00:00", 200, "before anything was recorded"},
		{"overview in 9999", "/?as_of=9999-12-31T23:59:59Z", 200, "(log position " + strconv.FormatUint(last, 10) + ")"},
		{"plan in 1425", "/plans/" + plan + "?as_of=1425-01-01T00:00", 404, "No such plan"},
		{"plan in 9999", "/plans/" + plan + "?as_of=9999-12-31T23:59", 200, `id="timeline"`},
		{"sha in 0001", "/shas/Q36?as_of=0001-01-01T00:00", 404, "No SHA Q36 was registered"},
		{"sha in 9999", "/shas/Q36?as_of=9999-12-31T23:59", 200, `id="lhcs"`},
		{"sro in 1425", "/organisations/5K5/sro?as_of=1425-01-01T00:00", 404, "No organisation 5K5 was registered"},
		{"sro in 9999", "/organisations/5K5/sro?as_of=9999-12-31T23:59", 200, `id="bundle"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, srv, tc.path, tok)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, string(body))
			assert.Contains(t, string(body), tc.contains)
		})
	}
}

// Every signed-in role reads every page, whatever organisation it acts for, as it reads the API
// routes the pages show: a provider of another region used to get 403 on an SHA's page and on an
// organisation's SRO evidence, facts it could rebuild from the plan list and the audit trails.
func TestEveryRoleReadsEveryPage(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	plan := proj.Plans(projections.PlanFilter{SHA: "Q36", Round: "2009-10"})[0].PlanID
	pages := []struct{ page, api string }{
		{"/shas/Q36", "/v1/shas/Q36/assurance-status"},
		{"/shas/Q36?as_of=2009-09-01T00:00", "/v1/shas/Q36/assurance-status"},
		{"/organisations/5K5/sro", "/v1/organisations/5K5/sro-evidence"},
		{"/organisations/5K5/sro?as_of=2009-12-01T00:00", "/v1/audit/events"},
		{"/plans/" + plan, "/v1/plans/" + plan + "/audit-trail"},
		{"/", "/v1/reports/transparency"},
	}
	for _, role := range domain.Roles {
		for _, org := range []string{"Q30", "RXX"} { // another SHA's region; an organisation nobody knows
			tok := token(t, domain.Actor{PersonID: "p-" + string(role), Name: "Pat Person", Role: role, Org: org})
			for _, p := range pages {
				assert.Equal(t, http.StatusOK, apiGet(t, srv, p.api, tok).StatusCode, "%s %s: %s", role, org, p.api)
				assert.Equal(t, http.StatusOK, get(t, srv, p.page, tok).StatusCode, "%s %s: %s", role, org, p.page)
			}
		}
	}
}
