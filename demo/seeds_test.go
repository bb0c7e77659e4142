package demo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/internal/thorough"
)

// Other seeds and scales record as the default does: every step is one the domain accepts. Seed 1
// at scale 20 once stopped at a provider that contributed to a Surrey plan and then left the LHC
// before its board could approve the version (the domain now lets a contributor's board approve
// what it must sign). About 25,000 events: checked under LEDGER_TEST_THOROUGH=1.
func TestOtherSeedsAtScaleRecord(t *testing.T) {
	if !thorough.On() {
		t.Skipf("records 25,000 events; %s=1 runs it", thorough.Env)
	}
	t.Parallel()
	store, sum := seeded(t, demo.Options{Seed: 1, Scale: 20})
	for _, s := range domain.Statuses {
		assert.Positive(t, sum.ByStatus[s], "no plan is %s", s)
	}
	assert.Equal(t, sum.ByStatus, fold(t, store, time.Time{}).statuses())
}
