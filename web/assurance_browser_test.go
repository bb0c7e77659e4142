package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// signIn signs in with the one-click link and the button, as a visitor would.
func (b *browser) signIn(tok string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+"/login#token="+tok), chromedp.WaitVisible(chromedp.CSS("#token-holder")),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#chart")))
}

// open navigates to path and waits for the element sel.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

func apiJSON(t *testing.T, srv *httptest.Server, path, tok string, v any) {
	t.Helper()
	resp := apiGet(t, srv, path, tok)
	require.Equal(t, 200, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v), path)
}

// TestAssuranceInABrowser reads the dashboard's assurance parts and checks each against the API's
// answer for the same question: lateness on the overview, the criteria heat map, the SHAs'
// returns, an SHA's overdue actions and returns as of a past day, and a plan's deadlines, members,
// ratings and conditions.
func TestAssuranceInABrowser(t *testing.T) {
	findBrowser(t)
	t.Parallel() // most of its time is waiting for its browser
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	b := newBrowser(t, srv.URL)
	b.signIn(tok)

	// Lateness on the overview.
	b.open("/?round=2009-10", "#lateness")
	var rep projections.Report
	apiJSON(t, srv, "/v1/reports/transparency?round=2009-10", tok, &rep)
	var lateness []map[string]string
	b.eval(`JSON.stringify([...document.querySelectorAll('#lateness tbody tr')].map(tr =>
		Object.fromEntries([['sha', tr.dataset.sha], ...[...tr.querySelectorAll('td')].map(td => [td.dataset.field, td.textContent.trim()])])))`, &lateness)
	require.Len(t, lateness, len(rep.BySHA))
	discharged := 0
	for i, row := range rep.BySHA {
		got := lateness[i]
		assert.Equal(t, row.SHACode, got["sha"])
		assert.Equal(t, itoa(row.OverdueSubmissions), got["overdue_submissions"], row.SHACode)
		assert.Equal(t, itoa(row.OverdueAssurances), got["overdue_assurances"], row.SHACode)
		assert.Equal(t, itoa(row.OpenConditions), got["open_conditions"], row.SHACode)
		if row.OnTimeSubmissionRate != nil {
			assert.Equal(t, percent(*row.OnTimeSubmissionRate), got["on_time_submission_rate"], row.SHACode)
		}
		if row.MedianDaysToDischarge != nil {
			discharged++
		}
	}
	assert.Positive(t, discharged, "the demo discharges conditions")
	b.checkLayout("overview-lateness")

	// The criteria heat map: every cell is the API's counts, shaded by them.
	b.open("/criteria?round=2009-10", "#heatmap")
	var crit projections.CriteriaReport
	apiJSON(t, srv, "/v1/reports/criteria?round=2009-10", tok, &crit)
	var cells []struct {
		SHA, Criterion, Class string
		Green, Amber, Red     int
	}
	b.eval(`JSON.stringify([...document.querySelectorAll('#heatmap tbody td.heat')].map(td => ({sha: td.dataset.sha,
		criterion: td.dataset.criterion, class: td.className, green: Number(td.dataset.green), amber: Number(td.dataset.amber), red: Number(td.dataset.red)})))`, &cells)
	want := 0
	shades := map[string]bool{}
	for _, row := range crit.BySHA {
		for _, n := range row.Criteria {
			require.Less(t, want, len(cells))
			c := cells[want]
			assert.Equal(t, [5]any{row.SHACode, n.ID, n.Green, n.Amber, n.Red}, [5]any{c.SHA, c.Criterion, c.Green, c.Amber, c.Red})
			shades[c.Class] = true
			want++
		}
	}
	assert.Len(t, cells, want)
	assert.True(t, shades["heat h0"], "some criteria all green")
	assert.Greater(t, len(shades), 2, "and some not: %v", shades)
	b.checkLayout("criteria")

	// The SHAs' returns: days late and acknowledgements as CfH's report has them.
	b.open("/returns?round=2009-10", "#cfh-returns")
	var returns projections.CfHReturnsReport
	apiJSON(t, srv, "/v1/reports/cfh-returns?round=2009-10", tok, &returns)
	var rows []map[string]string
	b.eval(`JSON.stringify([...document.querySelectorAll('#cfh-returns tbody tr')].map(tr =>
		Object.fromEntries([['sha', tr.dataset.sha], ['late', String(tr.classList.contains('late-row'))], ...[...tr.querySelectorAll('td[data-field]')].map(td => [td.dataset.field, td.textContent.trim()])])))`, &rows)
	require.Len(t, rows, len(returns.Rows))
	late := 0
	for i, r := range returns.Rows {
		assert.Equal(t, r.SHACode, rows[i]["sha"])
		assert.Equal(t, itoa(r.DaysLate), rows[i]["days_late"], r.SHACode)
		assert.Equal(t, itoa(r.LHCsCovered)+" / "+itoa(r.Exceptions)+" / "+itoa(r.LHCs), rows[i]["lhcs"], r.SHACode)
		assert.Equal(t, r.Acknowledged, rows[i]["acknowledged"] != "no", r.SHACode)
		assert.True(t, r.Submitted, "every SHA returned")
		if r.DaysLate > 0 {
			late++
			assert.Equal(t, "true", rows[i]["late"])
		}
	}
	assert.Positive(t, late, "some returns were late")
	b.checkLayout("returns")

	// An SHA's overdue actions as of a day in the round: the API's, most overdue first.
	const asOf = "2009-10-15T00:00"
	b.open("/shas/Q36?round=2009-10&as_of="+asOf, "#sha-returns")
	// The API's assurance status has no as_of: the page's figures are the projections' for that time.
	at := time.Date(2009, 10, 15, 0, 0, 0, 0, time.UTC)
	pos, _ := proj.PositionAt(at)
	st, found, err := proj.SHAStatusAsOfAt(context.Background(), "Q36", "2009-10", pos, at)
	require.NoError(t, err)
	require.True(t, found)
	require.NotEmpty(t, st.Overdue, "Q36 had overdue actions in mid-October 2009")
	assert.Equal(t, "2009-10-15", st.LatenessOn.String())
	var overdue []struct{ Action, Days string }
	b.eval(`JSON.stringify([...document.querySelectorAll('#overdue tbody tr')].map(tr => ({action: tr.dataset.action,
		days: tr.querySelector('[data-field=days_overdue]').textContent.trim()})))`, &overdue)
	require.Len(t, overdue, len(st.Overdue))
	for i, o := range st.Overdue {
		assert.Equal(t, o.Action, overdue[i].Action)
		assert.Equal(t, itoa(o.DaysOverdue), overdue[i].Days)
	}
	b.checkLayout("sha-as-of")

	// Plans: the one with a lapsed condition and the one with an excused member.
	plans := map[string]string{}
	ctx := context.Background()
	for _, s := range proj.Plans(projections.PlanFilter{}) {
		p, _, err := proj.Plan(ctx, s.PlanID)
		require.NoError(t, err)
		for _, c := range p.Conditions {
			if c.State == domain.ConditionStateLapsed && plans["lapsed"] == "" {
				plans["lapsed"] = p.PlanID
			}
		}
		for _, m := range p.Members {
			if m.State == domain.MemberStateExcused && plans["excused"] == "" {
				plans["excused"] = p.PlanID
			}
		}
	}
	require.Len(t, plans, 2, "the demo lapses a condition and excuses a member")
	for _, kind := range []string{"lapsed", "excused"} {
		id := plans[kind]
		b.open("/plans/"+id, "#milestones")
		var plan projections.PlanState
		apiJSON(t, srv, "/v1/plans/"+id, tok, &plan)
		var page struct {
			Milestones, Members, Conditions, Ratings []string
			PfIT, Reflected                          string
		}
		b.eval(`JSON.stringify({
			milestones: [...document.querySelectorAll('#milestones tbody tr')].map(tr => tr.dataset.milestone + ':' + tr.dataset.status),
			members: [...document.querySelectorAll('#members tbody tr')].map(tr => tr.dataset.ods + ':' + tr.dataset.state),
			conditions: [...document.querySelectorAll('#conditions tbody tr')].map(tr => tr.dataset.condition + ':' + tr.dataset.state),
			ratings: [...document.querySelectorAll('#ratings tbody tr')].map(tr => [tr.dataset.criterion, tr.dataset.rating, tr.dataset.met,
				tr.querySelector('[data-field=note]').textContent].join(':')),
			pfit: document.querySelector('#pfit').dataset.pfit, reflected: document.querySelector('#reflected').dataset.reflected})`, &page)
		milestones, members, conditions, ratings := []string{}, []string{}, []string{}, []string{}
		for _, m := range plan.Milestones {
			milestones = append(milestones, m.Milestone+":"+m.Status)
		}
		for _, m := range plan.Members {
			members = append(members, m.ODSCode+":"+string(m.State))
		}
		for _, c := range plan.Conditions {
			conditions = append(conditions, c.ID+":"+string(c.State))
		}
		for _, c := range plan.Assurance.Criteria {
			note := c.Note
			if note == "" {
				note = "–"
			}
			ratings = append(ratings, fmt.Sprintf("%s:%s:%t:%s", c.ID, c.Rating, c.Met, note))
		}
		assert.Equal(t, milestones, page.Milestones, kind)
		assert.Equal(t, members, page.Members, kind)
		assert.Equal(t, conditions, page.Conditions, kind)
		assert.Equal(t, ratings, page.Ratings, kind)
		assert.Equal(t, plan.Assurance.PfIT, page.PfIT, kind)
		assert.Equal(t, strconv.FormatBool(plan.Assurance.ReflectedInPfITPlan), page.Reflected, kind)
		assert.True(t, slices.ContainsFunc(append(conditions, members...), func(s string) bool { return strings.HasSuffix(s, ":"+kind) }), kind)
		b.checkLayout("plan-" + kind)
	}
	b.logScreenshots()
}

func itoa(n int) string { return strconv.Itoa(n) }

// percent is a share as the pages write it.
func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
