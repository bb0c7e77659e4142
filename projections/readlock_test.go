package projections

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A read of a plan waits for the projections' lock only until its context ends: one held (by the
// applier, or by a reader the applier waits behind) is answered with the context's error, and the
// lock is still let go once it was taken.
func TestPlanReadsGiveUpOnTheLockWhenTheirContextEnds(t *testing.T) {
	l := newAssuranceLog(t)
	p := l.projector(t, "2010-04-10")
	reads := map[string]func(ctx context.Context) error{
		"plan": func(ctx context.Context) error { _, _, err := p.Plan(ctx, l.plan); return err },
		"plan as of": func(ctx context.Context) error {
			_, _, err := p.PlanAsOf(ctx, l.plan, l.positions["signed"])
			return err
		},
		"lent plan": func(ctx context.Context) error {
			_, err := p.LendPlan(ctx, l.plan, func(PlanState) error { return nil })
			return err
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			p.mu.Lock() // the applier, or a writer waiting behind a long reader
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- read(ctx) }()
			select {
			case err := <-done:
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			case <-time.After(10 * time.Second):
				p.mu.Unlock()
				t.Fatal("the read waited for the lock past its context's end")
			}
			p.mu.Unlock()
			// The lock the abandoned wait took is let go: a writer gets it.
			locked := make(chan struct{})
			go func() { p.mu.Lock(); close(locked) }()
			select {
			case <-locked:
				p.mu.Unlock()
			case <-time.After(10 * time.Second):
				t.Fatal("the abandoned wait kept the read lock")
			}
			require.NoError(t, read(context.Background()), "with the lock free the read answers")
		})
	}
}
