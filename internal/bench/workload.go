package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/demo"
	"assurance-ledger/domain"
)

// Planning rounds run from 2000-01 to 2098-99: plan periods must end by 2100.
const (
	firstRoundYear = 2000
	rounds         = 99
)

// workload is the generated history to record: the registry, then plans in rounds.
type workload struct {
	d        *demo.Dataset
	registry []demo.Step
	paths    []demo.Path // the generator's own mix of lifecycle paths, used in turn
	maxPlans int
	start    time.Time
}

// newWorkload generates a data set large enough for about events events (registry included), or
// for plans plans when plans > 0. It is scaled by LHCs only as far as needed: each LHC can have one
// plan in each of 99 rounds, and a smaller registry is quicker to set up. The scale is first
// guessed from the demo's own plans, then checked against the plans the workload itself makes
// (the synthetic LHCs have fewer members, so fewer events a plan) and raised until they are enough.
func newWorkload(seed int64, events, plans int) (*workload, error) {
	small, err := demo.Generate(demo.Options{Seed: seed})
	if err != nil {
		return nil, err
	}
	perPlan, err := eventsPerPlan(small)
	if err != nil {
		return nil, err
	}
	want := plans
	if want <= 0 {
		want = int(math.Ceil(float64(events) / perPlan * 1.1))
	}
	perScale := len(small.LHCs) * rounds
	scale := min(max(1, (want+perScale-1)/perScale), demo.MaxScale)
	for {
		d := small
		if scale > 1 {
			if d, err = demo.Generate(demo.Options{Seed: seed, Scale: scale}); err != nil {
				return nil, err
			}
		}
		w, err := buildWorkload(d)
		if err != nil || plans > 0 || scale == demo.MaxScale {
			return w, err
		}
		per, err := w.eventsPerPlan()
		if err != nil {
			return nil, err
		}
		capacity := float64(len(w.registry)) + per*float64(w.maxPlans)
		if capacity >= float64(events) {
			return w, nil
		}
		scale = min(max(scale+1, int(math.Ceil(float64(scale)*float64(events)/capacity*1.05))), demo.MaxScale)
	}
}

// buildWorkload prepares d's registry and rounds for plans.
func buildWorkload(d *demo.Dataset) (*workload, error) {
	w := &workload{d: d, registry: d.RegistrySteps(), maxPlans: len(d.LHCs) * rounds, start: time.Now().UTC()}
	// Plans are submitted to published rounds: the demo publishes its own two; the others are
	// published after its registry, with the demo's catalogue and a timetable like its own.
	published := map[string]bool{}
	for _, s := range w.registry {
		if r, ok := s.Cmd.(domain.PublishRound); ok {
			published[r.Round] = true
		}
	}
	last := w.registry[len(w.registry)-1].At
	for k := range rounds {
		round := roundName(firstRoundYear + k)
		if published[round] {
			continue
		}
		cmd, err := demo.PublishRound(round)
		if err != nil {
			return nil, err
		}
		// Plans are submitted on the real clock, and only to a round whose guidance is out.
		if today := domain.DateOf(w.start); cmd.PublishedOn.After(today) {
			cmd.PublishedOn = today
		}
		last = last.Add(time.Minute)
		w.registry = append(w.registry, demo.Step{At: last, Actor: d.Admin, Cmd: cmd})
	}
	for _, p := range d.Plans {
		w.paths = append(w.paths, p.Path)
	}
	return w, nil
}

// eventsPerPlan averages the events of a spread of the plans the workload makes.
func (w *workload) eventsPerPlan() (float64, error) {
	const sample = 500
	step := max(1, w.maxPlans/sample)
	n, plans := 0, 0
	for k := 0; k < w.maxPlans; k += step {
		steps, err := w.plan(k)
		if err != nil {
			return 0, err
		}
		n += len(steps)
		plans++
	}
	return float64(n) / float64(plans), nil
}

func roundName(year int) string { return fmt.Sprintf("%d-%02d", year, (year+1)%100) }

func eventsPerPlan(d *demo.Dataset) (float64, error) {
	n := 0
	for _, p := range d.Plans {
		steps, err := d.PlanSteps(p)
		if err != nil {
			return 0, err
		}
		n += len(steps)
	}
	if n == 0 {
		return 0, errors.New("bench: the demo data set has no plan events")
	}
	return float64(n) / float64(len(d.Plans)), nil
}

// plan returns the k-th plan's steps: LHC k mod L in round k / L, submitted now, along the k-th
// path of the generator's mix. A path this LHC cannot take (a partly signed plan needs a provider)
// is replaced by the commonest one, acknowledged.
func (w *workload) plan(k int) ([]demo.Step, error) {
	lhc := w.d.LHCs[k%len(w.d.LHCs)]
	year := firstRoundYear + (9+k/len(w.d.LHCs))%rounds // 2009-10 first, as in the demo
	// The handler's clock is the real one, so no condition can be let lapse: it never falls due.
	spec := demo.PlanSpec{LHC: lhc.ID, Round: roundName(year),
		Period: domain.Period{FirstYear: year, LastYear: year + 2}, Path: w.paths[k%len(w.paths)], Start: w.start, NoLapse: true}
	steps, err := w.d.PlanSteps(spec)
	if err != nil {
		spec.Path = demo.Path{Status: domain.StatusAcknowledged}
		steps, err = w.d.PlanSteps(spec)
	}
	return steps, err
}

// appendRun is what the writers recorded.
type appendRun struct {
	plans, events int
	elapsed       time.Duration
	latencies     []time.Duration // one per command, sorted
	planIDs       []string        // of plans not withdrawn, for the HTTP phase
}

// runPlans drives plans through h with writers concurrent writers until the log would hold about
// maxEvents events (already counting the head) or maxPlans plans are recorded.
func (w *workload) runPlans(ctx context.Context, h *command.Handler, writers, already, maxEvents, maxPlans int) (appendRun, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if maxPlans <= 0 || maxPlans > w.maxPlans {
		maxPlans = w.maxPlans
	}
	type job struct {
		k     int
		steps []demo.Step
	}
	jobs := make(chan job, 2*writers)
	var (
		mu      sync.Mutex
		first   error
		run     appendRun
		lat     = make([][]time.Duration, writers)
		genErr  error
		started = time.Now()
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	// The generator stays ahead of the writers; its CPU is part of the run, as a client's would be.
	go func() {
		defer close(jobs)
		events := already
		for k := 0; k < maxPlans && events < maxEvents; k++ {
			steps, err := w.plan(k)
			if err != nil {
				genErr = err
				cancel()
				return
			}
			select {
			case jobs <- job{k, steps}:
			case <-ctx.Done():
				return
			}
			events += len(steps)
		}
	}()
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				for _, s := range j.steps {
					t0 := time.Now()
					if _, err := s.Run(ctx, h); err != nil {
						fail(fmt.Errorf("bench: plan %d, %s: %w", j.k, s, err))
						return
					}
					lat[i] = append(lat[i], time.Since(t0))
				}
				mu.Lock()
				run.plans++
				run.events += len(j.steps)
				if _, withdrawn := j.steps[len(j.steps)-1].Cmd.(domain.WithdrawPlan); !withdrawn {
					run.planIDs = append(run.planIDs, j.steps[0].Plan)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	run.elapsed = time.Since(started)
	if genErr != nil {
		return run, fmt.Errorf("bench: generating plans: %w", genErr)
	}
	if first != nil {
		return run, first
	}
	for _, l := range lat {
		run.latencies = append(run.latencies, l...)
	}
	slices.Sort(run.latencies)
	return run, nil
}

// quantile of sorted durations, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(math.Ceil(q*float64(len(sorted))))-1, len(sorted)-1)
	return float64(sorted[max(i, 0)]) / float64(time.Millisecond)
}
