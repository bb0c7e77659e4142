package web_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// TestDeliveryInABrowser reads a plan's delivery page, its table and its chart of planned against
// actual dates, and an organisation's SRO page with its governance bodies and board approvals, and
// checks each against the API's answer.
func TestDeliveryInABrowser(t *testing.T) {
	findBrowser(t)
	t.Parallel() // most of its time is waiting for its browser
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)

	// The plan with the most reports, so that the page shows live, slipped and overdue items.
	plan, most := "", 0
	for _, s := range proj.Plans(projections.PlanFilter{}) {
		d, ok, err := proj.Delivery(context.Background(), s.PlanID, 0, time.Time{})
		require.NoError(t, err)
		if ok && len(d.Reports) > most {
			plan, most = s.PlanID, len(d.Reports)
		}
	}
	require.NotEmpty(t, plan, "the demo reports delivery")

	b := newBrowser(t, srv.URL)
	b.signIn(tok)
	b.open("/plans/"+plan, "#delivery-link")
	b.open("/plans/"+plan+"/delivery", "#delivery-chart")
	var want projections.PlanDelivery
	apiJSON(t, srv, "/v1/plans/"+plan+"/delivery", tok, &want)

	var rows []map[string]string
	b.eval(`JSON.stringify([...document.querySelectorAll('#delivery-items tbody tr')].map(tr =>
		Object.fromEntries([['item', tr.dataset.item], ...[...tr.querySelectorAll('td[data-field]')].map(td => [td.dataset.field, td.textContent.trim()])])))`, &rows)
	require.Len(t, rows, len(want.Items))
	var live, overdue int
	for i, it := range want.Items {
		got := rows[i]
		assert.Equal(t, it.Item, got["item"])
		assert.Equal(t, it.PlannedDate.String(), got["planned_date"], it.Item)
		assert.Equal(t, it.Status, got["status"], it.Item)
		if it.ActualDate != nil {
			assert.Equal(t, it.ActualDate.String(), got["actual_date"], it.Item)
		}
		if it.SlippageDays != nil {
			assert.Equal(t, strconv.Itoa(*it.SlippageDays), got["slippage_days"], it.Item)
		}
		assert.Equal(t, map[bool]string{true: "yes", false: "no"}[it.Overdue], got["overdue"], it.Item)
		live += b2i(it.Status == domain.ProgrammeLive)
		overdue += b2i(it.Overdue)
	}
	assert.Positive(t, live+overdue, "the plan shows delivery")

	// The chart: a planned mark per dated item, an actual mark where one was reported, drawn later
	// than the planned one by as much as the slippage says, and an overdue bar iff overdue.
	var marks []struct {
		Item              string
		Planned, Actual   float64
		HasActual, IsLate bool
	}
	b.eval(`JSON.stringify([...document.querySelectorAll('#delivery-chart g.item')].map(g => {
		const p = g.querySelector('path.planned'), a = g.querySelector('circle.actual');
		return {item: g.dataset.item, planned: p ? Number(p.getAttribute('d').split(' ')[1]) : -1,
			actual: a ? Number(a.getAttribute('cx')) : -1, hasActual: !!a, isLate: !!g.querySelector('rect.overdue')};
	}))`, &marks)
	require.Len(t, marks, len(want.Items))
	for i, it := range want.Items {
		m := marks[i]
		assert.Equal(t, it.Item, m.Item)
		assert.Equal(t, it.ActualDate != nil, m.HasActual, it.Item)
		assert.Equal(t, it.Overdue, m.IsLate, it.Item)
		if it.Status == domain.ProgrammeLive && it.SlippageDays != nil && *it.SlippageDays != 0 {
			assert.Equal(t, *it.SlippageDays > 0, m.Actual > m.Planned, "%s: slipped %d days", it.Item, *it.SlippageDays)
		}
	}
	var reports int
	b.eval(`String(document.querySelectorAll('#delivery-reports tbody tr').length)`, &reports)
	assert.Equal(t, len(want.Reports), reports)
	b.checkLayout("delivery")

	// The SRO page: the bodies behind the sign-offs and each sign-off's approval.
	signer := ""
	for _, s := range proj.Plans(projections.PlanFilter{}) {
		st, _, err := proj.Plan(context.Background(), s.PlanID)
		require.NoError(t, err)
		if len(st.SignOffs) > 0 {
			signer = st.SignOffs[0].ODSCode
			break
		}
	}
	require.NotEmpty(t, signer)
	var ev projections.SROEvidence
	apiJSON(t, srv, "/v1/organisations/"+signer+"/sro-evidence", tok, &ev)
	b.open("/organisations/"+signer+"/sro", "#governance-bodies")
	terms := 0
	for _, body := range ev.GovernanceBodies {
		terms += len(body.Terms)
	}
	var bodyRows, approvals []string
	b.eval(`JSON.stringify([...document.querySelectorAll('#governance-bodies tbody tr')].map(tr => tr.dataset.body))`, &bodyRows)
	assert.Len(t, bodyRows, terms)
	b.eval(`JSON.stringify([...document.querySelectorAll('#signoffs td[data-field=board_approval]')].map(td => td.textContent.trim()))`, &approvals)
	require.Len(t, approvals, len(ev.SignOffs))
	for i, so := range ev.SignOffs {
		require.NotNil(t, so.BoardApproval, "every sign-off of the demo rests on an approval")
		assert.Contains(t, approvals[i], so.BoardApproval.BodyID)
		assert.Contains(t, approvals[i], so.BoardApproval.MinuteRef)
	}
	b.checkLayout("sro-governance")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
