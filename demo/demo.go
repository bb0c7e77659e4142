// Package demo generates realistic governance histories: the Informatics Planning round 2009-10 (and
// the start of 2010-11) as the ledger would have recorded it. The ten SHAs of 2009, NHS Connecting
// for Health, PCTs leading Local Health Communities with their NHS trusts and non-NHS providers,
// chief executives (some replaced mid-round), and one plan per LHC and round taken to every status
// the rules allow, including plans revised after a "not assured" judgement and plans withdrawn and
// submitted again.
//
// Every event goes through the real command handler with the actor the rules require (admin for the
// registry, the lead PCT's commissioner, the member provider, the chief executive in office, the
// LHC's SHA, CfH), so a seeded ledger is one the domain accepted, not data written around it. Time
// is simulated: it starts on 1 April 2009 and moves forward by seeded gaps of minutes to weeks, so
// recorded_at, "as of" answers and days from submission to assurance look like the real round.
//
// Seed writes the whole history into an empty store. For benchmarks, Generate builds the same data
// set (Options.Scale multiplies it with synthetic LHCs), and its steps can be run through any
// command.Handler: RegistrySteps once, then PlanSteps for as many plans as wanted, concurrently.
// Provenance of the reference data (which codes are real, which illustrative) is in orgs.go.
package demo

import (
	"context"
	"fmt"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// Options tune the generated data set. The zero value gives the standard demo.
type Options struct {
	// Seed varies people's names, plan content, dates and which LHC ends in which status. The same
	// seed (and scale and start) always gives the same data set.
	Seed int64
	// Scale is 0 or 1 for the demo set; n > 1 gives n times as many LHCs and plans, the extra ones
	// synthetic (codes ZP..., ZT..., ZX...; LHC ids lhc-synthetic-...). At most MaxScale.
	Scale int
	// Start is when the simulated history begins; zero means 1 April 2009, 09:00 UTC. The whole
	// timeline moves with it; rounds and plan periods do not.
	Start time.Time
}

// MaxScale is the largest Options.Scale: synthetic ODS codes run out beyond it.
const MaxScale = 200

// DefaultStart is when the demo's history begins: the first day of financial year 2009/10.
var DefaultStart = time.Date(2009, time.April, 1, 9, 0, 0, 0, time.UTC)

// Summary says what was seeded.
type Summary struct {
	Organisations int
	ByKind        map[domain.OrgKind]int
	LHCs          int
	Plans         int
	ByStatus      map[domain.Status]int // final status of each plan
	ByRound       map[string]int
	// ChiefExecutiveChanges counts appointments that replaced a chief executive in office.
	ChiefExecutiveChanges int
	// Rounds counts the rounds published; Returns the SHAs' returns, resubmissions included.
	Rounds, Returns int
	Events          int
	First, Last     time.Time // recorded_at of the first and last event
}

// Seed writes the generated history into store, which must be empty, through a command handler of
// its own whose clock is the simulated one.
func Seed(ctx context.Context, store eventstore.Store, opts Options) (Summary, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	if head != 0 {
		return Summary{}, fmt.Errorf("demo: the store already holds events (head position %d); the demo seeds only an empty store", head)
	}
	d, err := Generate(opts)
	if err != nil {
		return Summary{}, err
	}
	steps, err := d.Steps()
	if err != nil {
		return Summary{}, err
	}
	clock := &simClock{}
	h := command.NewHandler(store, command.Options{Clock: clock.now})
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		if s.At.Before(clock.t) {
			return Summary{}, fmt.Errorf("demo: step %d (%s) would move the clock back from %s", i, s, clock.t.Format(time.RFC3339))
		}
		clock.t = s.At
		res, err := s.Run(ctx, h)
		if err != nil {
			return Summary{}, fmt.Errorf("demo: step %d (%s): %w", i, s, err)
		}
		if res.Replayed {
			return Summary{}, fmt.Errorf("demo: step %d (%s) was a replay; nothing was recorded", i, s)
		}
	}
	sum := d.Summary()
	sum.Events = len(steps)
	for _, s := range steps {
		if _, ok := s.Cmd.(ReturnDraft); ok {
			sum.Returns++
		}
	}
	if len(steps) > 0 {
		sum.First, sum.Last = steps[0].At, steps[len(steps)-1].At
	}
	return sum, nil
}

// simClock is the simulated time Seed's handler decides and records at. Seed runs steps one at a
// time, so it needs no lock.
type simClock struct{ t time.Time }

func (c *simClock) now() time.Time { return c.t }

// Step is one command of a generated history: who issues it, on which plan, and when.
type Step struct {
	// At is the simulated instant the command is meant to be decided at. Seed runs each step with a
	// clock reading At. Sign-offs name the chief executive in office at At, so a step run on another
	// clock must run when the same person is in office (any time after the last appointment, for
	// steps generated with a recent PlanSpec.Start).
	At    time.Time
	Actor domain.Actor
	// Plan is the plan's id for plan commands. For a SubmitPlan it is the id the handler derives,
	// command.PlanID(lhc, round, n); Run checks it. Empty for registry commands.
	Plan string
	// Cmd is a domain.RegistryCommand or a domain.PlanCommand (value, not pointer), or a
	// ReturnDraft or ReturnAcknowledgement, which name what they act on by what Run reads.
	Cmd any
}

// Run sends the step's command to h as its actor, with a fresh command id.
func (s Step) Run(ctx context.Context, h *command.Handler) (command.Result, error) {
	req := command.Request{Actor: s.Actor}
	switch c := s.Cmd.(type) {
	case domain.SubmitPlan:
		res, err := h.Submit(ctx, req, c)
		if err == nil && s.Plan != "" && res.PlanID != s.Plan {
			err = fmt.Errorf("demo: the plan was submitted as %s, not %s: an earlier plan for LHC %q, round %s is in the store", res.PlanID, s.Plan, c.LHCID, c.Round)
		}
		return res, err
	case domain.PlanCommand:
		return h.Plan(ctx, req, s.Plan, c)
	case domain.RegistryCommand:
		return h.Registry(ctx, req, c)
	case ReturnDraft:
		cmd, err := c.command(ctx, h)
		if err != nil {
			return command.Result{}, err
		}
		return h.SubmitReturn(ctx, req, cmd)
	case ReturnAcknowledgement:
		return c.run(ctx, h, req)
	}
	return command.Result{}, fmt.Errorf("demo: %T is neither a registry nor a plan command", s.Cmd)
}

// String names the step for error messages.
func (s Step) String() string {
	target := domain.RegistryStream
	switch c := s.Cmd.(type) {
	case ReturnDraft:
		target = domain.ReturnStream(c.SHA, c.Round)
	case ReturnAcknowledgement:
		target = domain.ReturnStream(c.SHA, c.Round)
	}
	if s.Plan != "" {
		target = "plan " + s.Plan
	}
	return fmt.Sprintf("%T on %s by %s %s of %s at %s", s.Cmd, target, s.Actor.Role, s.Actor.PersonID, s.Actor.Org, s.At.UTC().Format(time.RFC3339))
}
