package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/projections"
)

// A plan's page shows the content its chief executives signed that the SHA and CfH read delivery
// and money against: each Clinical 5 capability's status and each solution's source and product,
// every organisation's national indicators, the money by year and source, the savings and the
// informatics staff.
func TestPlanPageShowsIndicatorsMoneyAndSources(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	id := proj.Plans(projections.PlanFilter{SHA: "Q36", Round: "2010-11"})[0].PlanID
	st, ok, err := proj.Plan(context.Background(), id)
	require.NoError(t, err)
	require.True(t, ok)
	c := st.Content
	require.NotEmpty(t, c.PerOrganisation, "the demo's 2010-11 plans give indicators per organisation")
	require.NotEmpty(t, c.CapacityAndFunding.ByYear)
	require.NotEmpty(t, c.CapacityAndFunding.Savings)

	resp := get(t, srv, "/plans/"+id, tok)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	page := html.UnescapeString(string(b))
	for _, x := range c.Clinical5 {
		assert.Contains(t, page, fmt.Sprintf(`data-field="strategic_source">%s, %s</td>`, x.StrategicSource, x.StrategicProduct), x.Capability)
		assert.Contains(t, page, fmt.Sprintf(`data-field="interim_source">%s, %s</td>`, x.InterimSource, x.InterimProduct), x.Capability)
	}
	for _, o := range c.PerOrganisation {
		assert.Contains(t, page, fmt.Sprintf(`<tr data-ods="%s"><th scope="row">%s</th><td>%v</td><td>%v</td><td>%d</td><td>%d</td></tr>`,
			o.ODSCode, o.ODSCode, o.NHSNumberCurrentPct, o.NHSNumberTargetPct, o.IGToolkitLevelCurrent, o.IGToolkitLevelTarget))
	}
	for _, y := range c.CapacityAndFunding.ByYear {
		assert.Contains(t, page, fmt.Sprintf(`<th scope="row">%d</th><td>%s</td><td>%d</td><td>%d</td>`, y.FinancialYear, y.Source, y.Capital, y.Revenue))
	}
	for _, y := range c.CapacityAndFunding.Savings {
		assert.Contains(t, page, fmt.Sprintf(`<th scope="row">%d</th><td>%d</td><td>%d</td>`, y.FinancialYear, y.CashReleasing, y.NonCash))
	}
	capacity := c.CapacityAndFunding.Capacity
	assert.Contains(t, page, fmt.Sprintf("%v WTE now, %v WTE needed", capacity.InformaticsWTECurrent, capacity.InformaticsWTERequired))
	_, table, found := strings.Cut(page, `<tbody id="per-organisation">`)
	require.True(t, found)
	table, _, _ = strings.Cut(table, "</tbody>")
	assert.Equal(t, len(c.PerOrganisation), strings.Count(table, "<tr "), "one row per organisation")
}
