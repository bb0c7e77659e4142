package audit_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/audit"
)

// A present answer is left uncompared only when the server's log has really grown past the mirror:
// its tree is larger than the mirror's, and a head the server signed covers it. A server that says
// it answered at a later position, to have its present answers passed over, has them compared (the
// same tree, whatever position it names); one that names a tree larger than any head it signs has
// them unanswered, never a clean audit.
func TestAPresentAnswerIsNotPassedOverOnTheServersWord(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	for _, c := range []struct {
		name      string
		growTree  bool
		want      string
		wantDiffs bool
	}{
		{name: "a later position, the same tree", want: audit.StatusDifferences, wantDiffs: true},
		{name: "a later position and a larger tree than any signed head", growTree: true, want: audit.StatusIncomplete},
	} {
		t.Run(c.name, func(t *testing.T) {
			lp := lyingProxy(t, l)
			lp.rewrite = func(r *http.Request, body []byte) []byte {
				if r.URL.Path != "/v1/reports/transparency" || r.URL.Query().Has("as_of") || strings.Contains(r.Header.Get("Accept"), "csv") {
					return body
				}
				var v map[string]any
				require.NoError(t, json.Unmarshal(body, &v))
				v["as_of_position"] = v["as_of_position"].(float64) + 1
				if c.growTree {
					v["tree_size"] = v["tree_size"].(float64) + 1
				}
				totals := v["totals"].(map[string]any)
				totals["plans"] = totals["plans"].(float64) + 7
				body, _ = json.Marshal(v)
				return body
			}
			rep, err := lp.audit(l, t.TempDir(), audit.Sampled(t, sampleSize, "/v1/reports/transparency?min_position="))
			require.NoError(t, err)
			assert.Equal(t, c.want, rep.Status, "differences %v, unanswered %v, notes %v", rep.Differences, rep.Unanswered, rep.Notes)
			var diffs, unanswered []string
			for _, d := range rep.Differences {
				diffs = append(diffs, d.Query+" "+d.Pointer)
			}
			for _, u := range rep.Unanswered {
				unanswered = append(unanswered, u.Query)
			}
			if c.wantDiffs {
				require.NotEmpty(t, diffs)
				for _, d := range diffs {
					assert.True(t, strings.HasPrefix(d, "/v1/reports/transparency?min_position="), "only the forged answers differ: %s", d)
				}
				assert.Contains(t, strings.Join(diffs, "\n"), "/totals/plans")
				assert.NotContains(t, strings.Join(diffs, "\n"), "/as_of_position", "the position an answer names is not compared when its tree is the mirror's")
			} else {
				require.NotEmpty(t, unanswered)
				for _, u := range unanswered {
					assert.True(t, strings.HasPrefix(u, "/v1/reports/transparency?min_position="), "only the forged answers are unanswered: %s", u)
				}
			}
		})
	}
}
