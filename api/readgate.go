package api

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// Reads that rebuild the past or gather a whole history (a plan refolded as of a time, the SHA and
// SRO pages as of a time, an evidence bundle) cost far more than the rate limit's one request: each
// holds a plan's history, or many, in memory for its while. So besides the rate limit each person
// may have only so many of them running at once, and everyone together only so many; beyond that
// they are answered 429 with Retry-After, before anything is read.
const (
	DefaultExpensivePerPerson = 2
	DefaultExpensiveTotal     = 8
)

// ReadGate counts the expensive reads running, per person and in all. It is shared by the API and
// the dashboard, as the rate limit is. The zero value is not usable; nil admits everything.
type ReadGate struct {
	perPerson, total int
	mu               sync.Mutex
	running          map[string]int
	all              int
}

// NewReadGate admits perPerson expensive reads at once for each person and total for everyone.
func NewReadGate(perPerson, total int) *ReadGate {
	return &ReadGate{perPerson: max(perPerson, 1), total: max(total, 1), running: map[string]int{}}
}

// Enter admits one more expensive read for personID, or says no; release ends it.
func (g *ReadGate) Enter(personID string) (release func(), ok bool) {
	if g == nil {
		return func() {}, true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[personID] >= g.perPerson || g.all >= g.total {
		return nil, false
	}
	g.running[personID]++
	g.all++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.all--
			if g.running[personID]--; g.running[personID] <= 0 {
				delete(g.running, personID)
			}
		})
	}, true
}

// Limits says what the gate admits, for messages.
func (g *ReadGate) Limits() (perPerson, total int) { return g.perPerson, g.total }

// enterExpensive admits an expensive read for the request's person, or answers 429.
func (s *server) enterExpensive(c echo.Context, what string) (release func(), err error) {
	release, ok := s.Reads.Enter(actorOf(c).PersonID)
	if ok {
		return release, nil
	}
	per, total := s.Reads.Limits()
	p := newProblem(http.StatusTooManyRequests, "too_many_expensive_reads",
		fmt.Sprintf("%s is an expensive read, and you (or everyone together) have as many running as the ledger allows: at most %d a person and %d in all at once; retry when one has finished", what, per, total))
	p.retryAfter = 1
	return nil, p
}
