package projections

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/internal/thorough"
)

// The current report comes from running sums; it must equal a walk over every plan's summary at
// every point of a realistic log, for every kind of filter: after every event of the demo round and
// every fifth at scale 2. The sums are kept at every event; the README's test command compares them
// with a walk after a sample of those events (the first and the last always), LEDGER_TEST_THOROUGH=1
// after all of them.
func TestReportCellsEqualAScanOfThePlans(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		scale  int
		every  int
		sample int
	}{
		{"demo round", 0, 1, 60},
		{"demo at scale 2", 2, 5, 25},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			store := seededStore(t, c.scale)
			events, err := store.ReadAll(ctx, 0, 0)
			require.NoError(t, err)
			var points []int
			for i := range events {
				if i%c.every == 0 || i == len(events)-1 {
					points = append(points, i)
				}
			}
			require.Greater(t, len(points), 100, "a log long enough to move every sum")
			check := map[int]bool{}
			for _, i := range thorough.Pick(t, points, c.sample) {
				check[i] = true
			}

			p := New(store, nil)
			p.SetClock(fixedClock)
			for i, rec := range events {
				require.NoError(t, p.apply(rec))
				if !check[i] {
					continue
				}
				for _, f := range reportFilters(p) {
					want, got := p.report(f, true), p.report(f, false)
					require.Equal(t, want, got, "report %+v after position %d", f, rec.Position)
				}
			}
			assert.NotZero(t, p.Report(ReportFilter{}).Totals.Assured, "the log should reach assured plans")
		})
	}
}

// fixedClock is a clock that always reads the same time, so that two reports of the current state
// measure lateness at the same instant.
func fixedClock() time.Time { return time.Date(2010, 3, 1, 12, 0, 0, 0, time.UTC) }

// reportFilters are the report's filters over what the projector holds: none, each SHA, each round,
// and each SHA within each round, plus ones that match nothing.
func reportFilters(p *Projector) []ReportFilter {
	fs := []ReportFilter{{}, {SHA: "NOPE"}, {Round: "1999-00"}}
	rounds := map[string]bool{}
	for _, v := range p.order {
		rounds[v.plan.Round()] = true
	}
	for _, sha := range sortedKeys(p.shaSince) {
		fs = append(fs, ReportFilter{SHA: sha})
		for _, r := range sortedKeys(rounds) {
			fs = append(fs, ReportFilter{SHA: sha, Round: r})
		}
	}
	for _, r := range sortedKeys(rounds) {
		fs = append(fs, ReportFilter{Round: r})
	}
	return fs
}

// sortedFloats must behave as a sorted slice under any mix of insertions and removals, duplicates
// and block splits included.
func TestSortedFloatsIsASortedMultiset(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		ops      int
		distinct int // values drawn from this many, so that duplicates are common when small
		removes  float64
	}{
		{"few", 10, 5, 0.3},
		{"duplicates across blocks", 5000, 3, 0.2},
		{"many distinct", 5000, 1 << 30, 0.1},
		{"mostly removals", 3000, 100, 0.6},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(c.ops)))
			var s sortedFloats
			var want []float64
			for range c.ops {
				x := float64(rng.IntN(c.distinct)) / 4
				if rng.Float64() < c.removes {
					i, found := slices.BinarySearch(want, x)
					require.Equal(t, found, s.remove(x), "remove %v", x)
					if found {
						want = slices.Delete(want, i, i+1)
					}
				} else {
					s.insert(x)
					i, _ := slices.BinarySearch(want, x)
					want = slices.Insert(want, i, x)
				}
				require.Equal(t, len(want), s.n)
				m, ok := s.median()
				require.Equal(t, len(want) > 0, ok)
				if ok {
					require.Equal(t, median(slices.Clone(want)), m)
				}
			}
			var got []float64
			for _, b := range s.blocks {
				require.NotEmpty(t, b)
				require.LessOrEqual(t, len(b), sortedBlockMax)
				got = append(got, b...)
			}
			assert.Equal(t, want, got)
		})
	}
}
