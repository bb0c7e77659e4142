// Package gcpace paces the garbage collector against a heap budget. Go's default pacing (GOGC=100)
// collects whenever the heap has doubled since the last collection, so a process with a small live
// heap that allocates quickly (a replay, a burst of appends) collects many times a second although
// memory is plentiful, and every collection takes CPU from the work and latency from requests.
// With a budget, the heap may grow to the budget before a collection, or to twice what is live
// when that is more: collections are never more frequent than Go's default, and the heap does not
// grow past the budget on their account (Go's pacer aims at its goal; it can overshoot it a little
// while a collection runs, as it does under its default pacing).
//
// The budget bounds the heap, not the process: goroutine stacks, the runtime's own structures and
// the store's mapped file are outside it.
package gcpace

import (
	"math/bits"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// minLive is the live heap assumed before the first collection has measured one: Go's own minimum
// heap goal is 4 MiB.
const minLive = 4 << 20

// maxPercent bounds the GOGC value set, far above anything a real budget and live heap give.
const maxPercent = 1 << 20

// Percent is the GOGC value under which the heap, with live bytes live after a collection and
// roots bytes of goroutine stacks and globals, next collects on reaching budget bytes, or at Go's
// default (100: twice the live heap) when that is later. Go's heap goal is live + (live + roots) x
// GOGC/100. A budget of 0 is Go's default.
func Percent(budget, live, roots uint64) int {
	live = max(live, minLive)
	scanned := live + roots
	if budget <= live+scanned {
		return 100
	}
	// 100 (budget - live) / scanned, in 128 bits: a budget near 2^64 must not wrap.
	hi, lo := bits.Mul64(budget-live, 100)
	if hi >= scanned { // the quotient would not fit in 64 bits
		return maxPercent
	}
	pct, _ := bits.Div64(hi, lo, scanned)
	return int(min(pct, maxPercent))
}

var (
	mu     sync.Mutex
	active *pacer
)

type pacer struct {
	budget  atomic.Uint64
	stopped atomic.Bool
	prev    int // GOGC before Start
}

// sentinel is garbage made to be collected: its finalizer runs after each collection. It holds a
// pointer so that the allocator does not pack it with other small objects, which would keep it
// alive.
type sentinel struct{ _ *byte }

// Start paces collections against budget bytes of heap until the returned stop is called, which
// restores the GOGC in force before. A budget of 0, or GOGC or GOMEMLIMIT set in the environment
// (an operator's own settings win), leaves the collector as it is: Start then reports false. A
// second Start replaces the first.
func Start(budget uint64) (stop func(), started bool) {
	if budget == 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}, false
	}
	mu.Lock()
	defer mu.Unlock()
	prev := debug.SetGCPercent(percentNow(budget))
	if active != nil { // replaced: what to restore is what was there before it
		active.stopped.Store(true)
		prev = active.prev
	}
	p := &pacer{prev: prev}
	p.budget.Store(budget)
	active = p
	p.arm()
	return p.stop, true
}

// SetBudget changes the budget of the pacing Start began, from now on (a service that has caught up
// with its log and now serves wants less garbage kept than its catch-up did). It reports false,
// changing nothing, when no pacing is running.
func SetBudget(budget uint64) bool {
	mu.Lock()
	defer mu.Unlock()
	if active == nil || budget == 0 {
		return false
	}
	active.budget.Store(budget)
	debug.SetGCPercent(percentNow(budget))
	return true
}

func (p *pacer) stop() {
	mu.Lock()
	defer mu.Unlock()
	if p.stopped.Swap(true) || active != p {
		return
	}
	active = nil
	debug.SetGCPercent(p.prev)
}

// arm sets a sentinel whose finalizer, run after the next collection, sets GOGC for the live heap
// that collection found, and arms the next.
func (p *pacer) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if p.stopped.Load() {
			return
		}
		mu.Lock()
		if active == p && !p.stopped.Load() {
			debug.SetGCPercent(percentNow(p.budget.Load()))
		}
		mu.Unlock()
		p.arm()
	})
}

// percentNow is Percent for what the last collection found.
func percentNow(budget uint64) int {
	live, roots := heap()
	return Percent(budget, live, roots)
}

// heap returns the heap the last collection found live (0 before the first) and the stacks and
// globals it scanned, which Go's heap goal counts too.
func heap() (live, roots uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return v[0], v[1] + v[2]
}
