package audit

import (
	"strings"
	"testing"

	"assurance-ledger/internal/thorough"
)

// Sampled makes an audit compare a sample of the server's answers, for a test whose ledger is the
// demo's: each answer is compared the same way, and the demo's 1,100-odd questions under the race
// detector take most of a test's time. Of each operation and kind (as of the mirror's position,
// its CSV form, the present answer, the audit trails, the evidence bundles) the first and the last
// question are asked, and n of the rest (thorough.Pick, its seed logged); every question whose
// String holds one of keep is asked too, for a test about those answers. With
// LEDGER_TEST_THOROUGH=1 every question is asked.
func Sampled(t testing.TB, n int, keep ...string) func(*Options) {
	return func(o *Options) {
		o.sample = func(qs []question) []question {
			if thorough.On() {
				return qs
			}
			type kind struct {
				op                          string
				csv, present, trail, bundle bool
			}
			first, last := map[kind]int{}, map[kind]int{}
			kindOf := func(q question) kind { return kind{q.op, q.csv, q.present, q.trail, q.bundle} }
			for i, q := range qs {
				if _, ok := first[kindOf(q)]; !ok {
					first[kindOf(q)] = i
				}
				last[kindOf(q)] = i
			}
			asked := make([]bool, len(qs))
			var middles []int // in the questions' order, so that a seed replays the sample
			for i, q := range qs {
				if k := kindOf(q); i == first[k] || i == last[k] {
					asked[i] = true
				} else {
					middles = append(middles, i)
				}
			}
			for _, i := range thorough.Pick(t, middles, n) {
				asked[i] = true
			}
			for i, q := range qs {
				for _, k := range keep {
					if strings.Contains(q.String(), k) {
						asked[i] = true
					}
				}
			}
			var out []question
			for i, q := range qs {
				if asked[i] {
					out = append(out, q)
				}
			}
			return out
		}
	}
}
