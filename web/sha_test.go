package web_test

import (
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/projections"
)

// The SHA's page flags, on each plan's row, the delivery items whose planned date had already
// passed when the plan's current version was submitted, as the API's SHA status lists them.
func TestSHAPageFlagsDatesAlreadyPastWhenSubmitted(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	row := regexp.MustCompile(`(?s)<tr>.*?</tr>`)
	planLink := regexp.MustCompile(`href="/plans/([^"?]+)`)
	cell := regexp.MustCompile(`(?s)data-field="past_at_submission">(.*?)</td>`)
	code := regexp.MustCompile(`<code>([^<]+)</code>`)
	flagged, clean := 0, 0
	for _, sha := range proj.Report(projections.ReportFilter{}).BySHA {
		st, ok := proj.SHAStatus(sha.SHACode, "")
		require.True(t, ok)
		want := map[string][]string{}
		for _, l := range st.LHCs {
			for _, p := range l.Plans {
				want[p.PlanID] = p.PastAtSubmission
			}
		}
		resp := get(t, srv, "/shas/"+sha.SHACode, tok)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		table := string(body)[strings.Index(string(body), `id="lhcs"`):]
		seen := 0
		for _, r := range row.FindAllString(table, -1) {
			m := planLink.FindStringSubmatch(r)
			if m == nil {
				continue
			}
			c := cell.FindStringSubmatch(r)
			require.NotNil(t, c, "plan %s's row has no past-at-submission cell", m[1])
			var got []string
			for _, g := range code.FindAllStringSubmatch(c[1], -1) {
				got = append(got, g[1])
			}
			items, ok := want[m[1]]
			require.True(t, ok, "plan %s is on %s's page, not in its status", m[1], sha.SHACode)
			if len(items) == 0 {
				assert.Empty(t, got, "plan %s", m[1])
				assert.Contains(t, c[1], "–")
				clean++
			} else {
				assert.Equal(t, items, got, "plan %s", m[1])
				flagged++
			}
			seen++
		}
		assert.Equal(t, len(want), seen, "every plan of %s has a row", sha.SHACode)
	}
	assert.NotZero(t, flagged, "the demo has plans with dates already past when submitted")
	assert.NotZero(t, clean, "and plans without")
}
