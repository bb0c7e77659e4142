package gcpace

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name                string
		budget, live, roots uint64
		want                int
	}{
		{"no budget", 0, 100 * mib, 0, 100},
		{"budget below twice the live heap", 150 * mib, 100 * mib, 0, 100},
		{"budget exactly twice the live heap", 200 * mib, 100 * mib, 0, 100},
		{"budget four times the live heap", 400 * mib, 100 * mib, 0, 300},
		{"stacks and globals count in the goal", 400 * mib, 100 * mib, 50 * mib, 200},
		{"roots push the default past the budget", 250 * mib, 100 * mib, 60 * mib, 100},
		{"live heap not yet measured counts as 4 MiB", 40 * mib, 0, 0, 900},
		{"tiny live heap counts as 4 MiB", 40 * mib, 1024, 0, 900},
		{"large budget is capped", 1 << 50, 4 * mib, 0, maxPercent},
		{"budget near 2^64 does not wrap", 1<<64 - 1, 4 * mib, 0, maxPercent},
		{"budget whose percent would wrap 64 bits", 1<<62 + 4*mib, 4 * mib, 0, maxPercent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Percent(tc.budget, tc.live, tc.roots))
		})
	}
	// Uncapped, the goal Go derives from the percent is the budget, less the rounding to a whole
	// percent (1% of what is scanned), never more.
	live, roots, budget := uint64(300*mib), uint64(3*mib), uint64(1024*mib)
	goal := live + (live+roots)*uint64(Percent(budget, live, roots))/100
	require.LessOrEqual(t, goal, budget)
	require.Greater(t, goal, budget-(live+roots)/100)
}

func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// After each collection the pacer sets GOGC from the live heap that collection found; stop puts
// back what was there before.
func TestStartPacesEachCollectionAndStopRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := gogc()
	const budget = 1 << 30
	stop, started := Start(budget)
	require.True(t, started)
	defer stop()
	keep := make([][]byte, 0, 64)
	for range 64 {
		keep = append(keep, make([]byte, 1<<20)) // 64 MiB live, so the percent is not the cap
	}
	for range 3 {
		runtime.GC()
		// The finalizer runs on its own goroutine after the collection.
		require.Eventually(t, func() bool { return gogc() == percentNow(budget) }, 5*time.Second, time.Millisecond)
	}
	got := gogc()
	require.Greater(t, got, 100)
	require.Less(t, got, 2000) // 1 GiB over at least 64 MiB live
	runtime.KeepAlive(keep)
	stop()
	require.Equal(t, before, gogc())
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	require.Equal(t, before, gogc(), "a stopped pacer must not set GOGC again")
}

func TestStartLeavesAnOperatorsSettings(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "200")
			before := gogc()
			stop, started := Start(1 << 30)
			defer stop()
			require.False(t, started)
			require.Equal(t, before, gogc())
		})
	}
	t.Run("no budget", func(t *testing.T) {
		t.Setenv("GOGC", "")
		t.Setenv("GOMEMLIMIT", "")
		before := gogc()
		stop, started := Start(0)
		defer stop()
		require.False(t, started)
		require.Equal(t, before, gogc())
	})
}

// A second Start replaces the first; stopping the second restores what was there before either.
func TestSecondStartReplacesTheFirst(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := gogc()
	stop1, _ := Start(1 << 30)
	stop2, _ := Start(1 << 31)
	stop1() // no longer active: does nothing
	require.NotEqual(t, before, gogc())
	stop2()
	require.Equal(t, before, gogc())
}

// SetBudget moves a running pacer to a new budget, for this collection and the next; without one
// running it changes nothing.
func TestSetBudgetChangesTheRunningPacersBudget(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := gogc()
	require.False(t, SetBudget(1<<29), "no pacer running")
	require.Equal(t, before, gogc())

	stop, started := Start(1 << 30)
	require.True(t, started)
	defer stop()
	keep := make([][]byte, 0, 64)
	for range 64 {
		keep = append(keep, make([]byte, 1<<20))
	}
	runtime.GC()
	require.Eventually(t, func() bool { return gogc() == percentNow(1<<30) }, 5*time.Second, time.Millisecond)
	large := gogc()
	require.True(t, SetBudget(1<<28))
	require.Less(t, gogc(), large, "a smaller budget collects sooner, at once")
	runtime.GC()
	require.Eventually(t, func() bool { return gogc() == percentNow(1<<28) }, 5*time.Second, time.Millisecond,
		"and after the next collection too")
	runtime.KeepAlive(keep)
	require.False(t, SetBudget(0), "a budget of 0 is not one")
}
