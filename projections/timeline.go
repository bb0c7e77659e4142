package projections

import (
	"math"
	"slices"
	"sort"
	"time"

	"assurance-ledger/eventstore"
)

// timeline maps wall-clock time to log positions. Events are committed in position order but stamped
// with recorded_at before commit, so stamps can be slightly out of order between concurrent writers.
// "As of T" therefore means the longest prefix of the log whose events were all recorded at or before
// T; keeping the running maximum of the stamps makes that a binary search.
type timeline struct {
	positions []eventstore.Position
	maxStamp  []int64 // running maximum of recorded_at, unix nanos
}

func (t *timeline) add(p eventstore.Position, at time.Time) {
	stamp := unixNanoClamped(at)
	if n := len(t.maxStamp); n > 0 && t.maxStamp[n-1] > stamp {
		stamp = t.maxStamp[n-1]
	}
	if len(t.positions) == cap(t.positions) {
		t.positions, t.maxStamp = doubled(t.positions), doubled(t.maxStamp)
	}
	t.positions = append(t.positions, p)
	t.maxStamp = append(t.maxStamp, stamp)
}

// doubled is s with room for as many again. append grows a slice this large by a quarter at a
// time, which for a timeline of a million events allocated five times its final size; doubling
// allocates twice, and the room not yet used is never touched.
func doubled[T any](s []T) []T {
	return slices.Grow(s, max(len(s), 1024))
}

// positionAt returns the position of the last event of the prefix recorded at or before at, and false
// if no event was.
func (t *timeline) positionAt(at time.Time) (eventstore.Position, bool) {
	stamp := unixNanoClamped(at)
	n := sort.Search(len(t.maxStamp), func(i int) bool { return t.maxStamp[i] > stamp })
	if n == 0 {
		return 0, false
	}
	return t.positions[n-1], true
}

// timeAt returns when the event at position p was recorded (the prefix's stamp), for reporting.
func (t *timeline) timeAt(p eventstore.Position) (time.Time, bool) {
	i := sort.Search(len(t.positions), func(i int) bool { return t.positions[i] >= p })
	if i == len(t.positions) || t.positions[i] != p {
		return time.Time{}, false
	}
	return time.Unix(0, t.maxStamp[i]).UTC(), true
}

// The instants UnixNano can represent: about 1677-09-21 to 2262-04-11.
var (
	earliestNano = time.Unix(0, math.MinInt64)
	latestNano   = time.Unix(0, math.MaxInt64)
)

// unixNanoClamped is at as Unix nanoseconds, with an instant outside what those can hold taken as
// the nearest they can: UnixNano's result is undefined there (it wraps), which turned 1425 into a
// date in 2009 and 9999 into one before any event. Clamping keeps the order, which is all the
// search needs: a time before 1677 comes before every event and one after 2262 after every event
// (events are stamped by the ledger's clock, well inside the range).
func unixNanoClamped(at time.Time) int64 {
	switch {
	case at.Before(earliestNano):
		return math.MinInt64
	case at.After(latestNano):
		return math.MaxInt64
	}
	return at.UnixNano()
}
