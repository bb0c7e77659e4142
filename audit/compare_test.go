package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// Every GET of the API document that takes as_of is asked, for every value of its path parameters
// the mirror knows, and again for every round where it filters by round: a new report with as_of
// is compared without a change here, and a new path parameter fails this test until the audit
// knows its values.
func TestEveryAsOfQueryIsCompared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := demotest.Store(t, 0)
	p := projections.New(s, nil)
	require.NoError(t, p.CatchUp(ctx))
	at := p.Applied()

	ops, err := asOfOperations()
	require.NoError(t, err)
	var paths []string
	for _, op := range ops {
		paths = append(paths, op.path)
		for _, name := range op.pathParams {
			assert.Contains(t, pathValues, name, "GET %s: the audit knows no values of {%s}", op.path, name)
		}
	}
	for _, want := range []string{"/v1/reports/transparency", "/v1/organisations", "/v1/organisations/{ods}", "/v1/lhcs", "/v1/plans",
		"/v1/plans/{id}", "/v1/shas/{code}/assurance-status", "/v1/organisations/{ods}/sro-evidence",
		"/v1/reports/criteria", "/v1/reports/sro-coverage", "/v1/reports/cfh-returns", "/v1/shas/{code}/returns", "/v1/rounds", "/v1/rounds/{round}", "/v1/pfits",
		"/v1/plans/{id}/delivery", "/v1/reports/delivery", "/v1/reports/funding"} {
		assert.Contains(t, paths, want, "a governance query the issue names is compared")
	}

	all, err := questions(ctx, p, at)
	require.NoError(t, err)
	var qs, present, csv, trails, bundles []string
	for _, q := range all {
		switch {
		case q.bundle:
			bundles = append(bundles, q.path)
		case q.trail:
			trails = append(trails, q.path)
		case q.present:
			present = append(present, q.path)
		case q.csv:
			csv = append(csv, q.path)
		default:
			qs = append(qs, q.path)
		}
	}
	orgs, plans := len(p.Organisations()), len(p.Plans(projections.PlanFilter{}))
	count := func(prefix string, exact bool) int {
		n := 0
		for _, q := range qs {
			path, _, _ := strings.Cut(q, "?")
			if (exact && path == prefix) || (!exact && strings.HasPrefix(path, prefix)) {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 2*orgs, count("/v1/organisations/", false), "each organisation and its SRO evidence")
	assert.Equal(t, 2*plans, count("/v1/plans/", false), "each plan and its delivery")
	assert.Equal(t, 1+2+10, count("/v1/reports/transparency", true), "the report, and for each of the demo's two rounds and ten SHAs")
	shaStatus := 0
	for _, q := range qs {
		if path, _, _ := strings.Cut(q, "?"); strings.HasSuffix(path, "/assurance-status") {
			shaStatus++
		}
	}
	assert.Equal(t, 10*(1+2), shaStatus, "each of the ten SHAs' status, for every round and each")
	rounds, _, err := p.PublishedRoundsAsOf(at)
	require.NoError(t, err)
	require.NotEmpty(t, rounds)
	assert.Equal(t, len(rounds), count("/v1/rounds/", false), "each published round")
	want := fmt.Sprintf("as_of=%d&min_position=%d", at, at)
	for _, q := range qs {
		assert.Contains(t, q, want, "the server is asked to have applied the position first")
	}

	// The plan list under every filter: each SHA, each LHC, each status.
	shas, lhcs := 0, 0
	for _, o := range p.Organisations() {
		if o.Kind == domain.KindSHA {
			shas++
			assert.Contains(t, qs, "/v1/plans?sha="+o.ODSCode+"&"+want)
		}
	}
	lhcList, _, err := p.LHCsAsOf(at)
	require.NoError(t, err)
	for _, l := range lhcList {
		lhcs++
		assert.Contains(t, qs, "/v1/plans?lhc="+l.ID+"&"+want)
	}
	require.Equal(t, 10, shas)
	require.NotZero(t, lhcs)
	assert.Contains(t, qs, "/v1/plans?status=signed_off&"+want)
	assert.Contains(t, qs, "/v1/plans?status=withdrawn&"+want)
	// Every report also in its CSV form, under each of its filters.
	for _, report := range []string{"transparency", "criteria", "sro-coverage", "cfh-returns"} {
		assert.Contains(t, csv, "/v1/reports/"+report+"?"+want)
	}
	assert.Contains(t, csv, "/v1/reports/transparency?sha=Q36&"+want)
	for _, q := range csv {
		assert.True(t, strings.HasPrefix(q, "/v1/reports/"), "only the reports have a CSV form: %s", q)
	}
	// Every question as the server stands now too, the server asked to have applied the mirror's
	// position first.
	base := 0
	for _, q := range qs {
		if strings.Contains(q, "?as_of=") {
			base++
		}
	}
	assert.Equal(t, base, len(present), "one present question for each path asked as of")
	assert.Contains(t, present, fmt.Sprintf("/v1/reports/transparency?min_position=%d", at))
	assert.Contains(t, present, fmt.Sprintf("/v1/organisations/5K5?min_position=%d", at))
	// Every organisation's evidence bundle.
	assert.Len(t, bundles, orgs)
	assert.Contains(t, bundles, fmt.Sprintf("/v1/organisations/5K5/sro-evidence?format=bundle&%s", strings.Replace(want, "as_of", "as_of", 1)))
	// Every plan's audit trail, as many events as the mirror holds of it.
	assert.Len(t, trails, plans)
	for _, pl := range p.Plans(projections.PlanFilter{}) {
		assert.Contains(t, trails, fmt.Sprintf("/v1/plans/%s/audit-trail?limit=%d", pl.PlanID, pl.Revision+1))
	}
}

// A test's sample of the questions asks the first and the last of each operation and kind, a
// sample of the rest and every question the test names; LEDGER_TEST_THOROUGH=1 asks them all.
func TestASampleAsksEachOperationsEndsAndWhatATestNames(t *testing.T) {
	var qs []question
	for i := range 50 {
		p := fmt.Sprintf("/v1/plans/p%02d?as_of=9", i)
		qs = append(qs, question{path: p, op: "/v1/plans/{id}"}, question{path: fmt.Sprintf("/v1/plans/p%02d", i), op: "/v1/plans/{id}", present: true})
		qs = append(qs, question{path: fmt.Sprintf("/v1/organisations/O%02d/sro-evidence?format=bundle", i), bundle: true})
	}
	qs = append(qs, question{path: "/v1/reports/criteria?as_of=9", op: "/v1/reports/criteria"}, question{path: "/v1/reports/criteria?as_of=9", op: "/v1/reports/criteria", csv: true})
	for _, c := range []struct {
		thorough string
		min, max int // the named question may be among the sample's
	}{{"", 4*2 + 10, 4*2 + 10 + 1}, {"1", len(qs), len(qs)}} {
		t.Run("thorough="+c.thorough, func(t *testing.T) {
			t.Setenv("LEDGER_TEST_THOROUGH", c.thorough)
			var o Options
			Sampled(t, 10, "/v1/plans/p17?")(&o)
			got := o.sample(qs)
			require.GreaterOrEqual(t, len(got), c.min)
			require.LessOrEqual(t, len(got), c.max)
			has := map[question]bool{}
			for _, q := range got {
				has[q] = true
			}
			for _, want := range []question{qs[0], qs[1], qs[2], qs[147], qs[148], qs[149], qs[150], qs[151], qs[51]} {
				assert.True(t, has[want], "%s asked", want)
			}
		})
	}
}
