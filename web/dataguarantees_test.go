package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
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
		// A leap second is a valid RFC 3339 time (it was 400), and a position must fit an int64.
		{"overview at a leap second before", "/?as_of=1998-12-31T23:59:60Z", 200, "before anything was recorded"},
		{"overview at a leap second after", "/?as_of=2016-12-31T23:59:60Z", 200, "(log position " + strconv.FormatUint(last, 10) + ")"},
		{"sha at a leap second", "/shas/Q36?as_of=2016-12-31T23:59:60.5Z", 200, `id="lhcs"`},
		{"overview at the largest position", "/?as_of=9223372036854775807", 200, "at log position " + strconv.FormatUint(last, 10) + "."},
		{"overview past the largest position", "/?as_of=18446744073709551615", 400, "log position"},
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

// The plan page's timeline shows a page of the plan's stream at a time, with links to the pages
// before and after: a stream may hold thousands of events, and the page reads only what it shows.
func TestPlanTimelineIsPaged(t *testing.T) {
	store := demoStore(t, 1)
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	var (
		st   projections.PlanSummary
		lead string
		prov string
	)
	for _, p := range proj.Plans(projections.PlanFilter{Status: domain.StatusSubmitted}) {
		for _, l := range proj.LHCs() {
			if l.ID != p.LHCID {
				continue
			}
			for _, m := range l.Members {
				if o, _ := proj.Organisation(m); o.Kind.Contributes() {
					st, lead, prov = p, l.LeadPCT, m
				}
			}
		}
	}
	require.NotEmpty(t, prov, "a submitted plan with a provider member")
	h := command.NewHandler(store, command.Options{})
	ctx := context.Background()
	provider := command.Request{Actor: domain.Actor{PersonID: "pr-x", Name: "Pat Provider", Role: domain.RoleProvider, Org: prov}}
	for range 2 {
		for i := 0; ; i++ { // as many as the organisation may add to this version
			_, err := h.Plan(ctx, provider, st.PlanID, domain.RecordContribution{Section: "clinical5", Summary: fmt.Sprint("note ", i)})
			if errors.Is(err, domain.ErrTooManyContributions) {
				break
			}
			require.NoError(t, err)
		}
		cur, _, err := proj.Plan(ctx, st.PlanID)
		require.NoError(t, err)
		c := cur.Content
		c.DataQuality += "."
		_, err = h.Plan(ctx, command.Request{Actor: domain.Actor{PersonID: "pc-x", Name: "Pat PCT", Role: domain.RolePCTCommissioner, Org: lead}}, st.PlanID,
			domain.RevisePlan{Content: c, Reason: "again"})
		require.NoError(t, err)
		require.NoError(t, proj.CatchUp(ctx))
	}
	e, _ := handler(t, store)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	trail := apiGet(t, srv, "/v1/plans/"+st.PlanID+"/audit-trail?limit=1000", tok)
	var all struct{ Entries []struct{ Hash string } }
	require.NoError(t, json.NewDecoder(trail.Body).Decode(&all))
	require.Greater(t, len(all.Entries), 100, "more than a page")

	hashes := regexp.MustCompile(`<p class="hashes">hash <code class="hash">([0-9a-f]{64})</code>`)
	later := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	next := "/plans/" + st.PlanID
	var seen []string
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 10)
		body, err := io.ReadAll(get(t, srv, next, tok).Body)
		require.NoError(t, err)
		found := hashes.FindAllStringSubmatch(string(body), -1)
		assert.LessOrEqual(t, len(found), 100, "a page of the timeline")
		for _, m := range found {
			seen = append(seen, m[1])
		}
		next = ""
		if m := later.FindStringSubmatch(string(body)); m != nil {
			next = html.UnescapeString(m[1])
			assert.Contains(t, string(body), `id="versions"`)
		}
	}
	require.Len(t, seen, len(all.Entries))
	for i, e := range all.Entries {
		assert.Equal(t, e.Hash, seen[i])
	}
}
