// Package gcpace paces the garbage collector against a heap budget. Go's default pacing (GOGC=100)
// collects whenever the heap has doubled since the last collection, so a process with a small live
// heap that allocates quickly (a replay, a burst of appends) collects many times a second although
// memory is plentiful, and every collection takes CPU from the work and latency from requests.
// With a budget, the heap may grow to the budget before a collection, or to twice what is live
// when that is more: collections are never more frequent than Go's default, and the heap never
// grows past the budget on their account.
//
// The budget bounds the heap, not the process: goroutine stacks, the runtime's own structures and
// the store's mapped file are outside it.
package gcpace

import (
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

// Percent is the GOGC value under which the heap, with live bytes live after a collection, next
// collects on reaching budget bytes, or at Go's default (100: twice the live heap) when that is
// later. A budget of 0 is Go's default.
func Percent(budget, live uint64) int {
	live = max(live, minLive)
	if budget <= 2*live {
		return 100
	}
	return int(min((budget-live)*100/live, maxPercent))
}

var (
	mu     sync.Mutex
	active *pacer
)

type pacer struct {
	budget  uint64
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
	prev := -2 // none to restore yet
	if active != nil {
		active.stopped.Store(true)
		prev = active.prev
	}
	p := &pacer{budget: budget}
	p.prev = debug.SetGCPercent(Percent(budget, liveHeap()))
	if prev != -2 {
		p.prev = prev
	}
	active = p
	p.arm()
	return p.stop, true
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
			debug.SetGCPercent(Percent(p.budget, liveHeap()))
		}
		mu.Unlock()
		p.arm()
	})
}

// liveHeap is the heap the last collection found live; 0 before the first.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
