package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// Every SHA returns to CfH for each round once its assurance is done, accounting for each of its
// LHCs by a plan it assured or by an exception, and CfH acknowledges each return. Most returns are
// in before the deadline, some are late; one SHA a round answers CfH's queries with a second
// return that supersedes its first.

// ReturnDraft is an SHA's return as the data set draws it up: which LHCs it accounts for by a plan
// and which by an exception. The plans' versions and assurances are read when it is run (an event's
// id is only known once it is recorded).
type ReturnDraft struct {
	SHA, Round  string
	Plans       []string // plan ids, each positively assured when the return is submitted
	Exceptions  []domain.ReturnException
	PfITPlanRef domain.PfITPlanRef
}

// ReturnAcknowledgement is CfH's acknowledgement of the SHA's return in force for the round.
type ReturnAcknowledgement struct {
	SHA, Round, Note string
	Queries          []string
}

// command draws the return up from the plans as recorded in h.
func (r ReturnDraft) command(ctx context.Context, h *command.Handler) (domain.SubmitReturn, error) {
	c := domain.SubmitReturn{SHACode: r.SHA, Round: r.Round, Plans: []domain.ReturnedPlan{}, Exceptions: slices.Clone(r.Exceptions), PfITPlanRef: r.PfITPlanRef}
	for _, id := range r.Plans {
		rec, ok, err := h.PlanRecord(ctx, id)
		if err != nil {
			return c, err
		}
		if !ok || len(rec.Versions) == 0 || rec.Versions[len(rec.Versions)-1].Assurance == nil {
			return c, fmt.Errorf("demo: plan %s has no assurance to return", id)
		}
		v := rec.Versions[len(rec.Versions)-1]
		e := domain.ReturnedPlan{PlanID: id, Version: v.Number, AssuranceEventID: v.Assurance.EventID,
			Outcome: v.Assurance.Outcome, ReflectedInPfITPlan: v.Assurance.ReflectedInPfITPlan}
		if !e.ReflectedInPfITPlan {
			e.Reason = fmt.Sprintf("Assured with conditions; the PfIT deployment plan's next issue takes in version %d's timetable.", v.Number)
		}
		c.Plans = append(c.Plans, e)
	}
	return c, nil
}

// run records the acknowledgement of the return in force.
func (a ReturnAcknowledgement) run(ctx context.Context, h *command.Handler, req command.Request) (command.Result, error) {
	latest, ok, err := h.LatestReturn(ctx, a.SHA, a.Round)
	if err != nil {
		return command.Result{}, err
	}
	if !ok {
		return command.Result{}, fmt.Errorf("demo: %s has no return for %s to acknowledge", a.SHA, a.Round)
	}
	return h.AcknowledgeReturn(ctx, req, a.SHA, latest.EventID, domain.AcknowledgeReturn{Note: a.Note, Queries: slices.Clone(a.Queries)})
}

// planAt is where a plan stood at an instant, from its steps.
type planAt struct {
	submitted, withdrawn bool
	version              int
	outcome              domain.Outcome // of the current version; "" if not assured
	signedOff            bool
}

func stateAt(steps []Step, t time.Time) planAt {
	var s planAt
	signed := 0
	for _, st := range steps {
		if st.At.After(t) {
			break
		}
		switch c := st.Cmd.(type) {
		case domain.SubmitPlan:
			s.submitted, s.version = true, 1
		case domain.RevisePlan:
			s.version++
			s.outcome, s.signedOff, signed = "", false, 0
		case domain.SignOffPlan:
			signed++
		case domain.RecordAssurance:
			s.outcome = c.Outcome
		case domain.WithdrawPlan:
			s.withdrawn = true
		}
	}
	s.signedOff = signed > 0
	return s
}

// ReturnSteps are the SHAs' returns and CfH's acknowledgements of them, for every demo round.
func (d *Dataset) ReturnSteps() ([]Step, error) {
	planSteps := make([][]Step, len(d.Plans))
	for i, p := range d.Plans {
		steps, err := d.PlanSteps(p)
		if err != nil {
			return nil, err
		}
		planSteps[i] = steps
	}
	var out []Step
	for _, r := range demoRounds {
		h := fnv.New64a()
		h.Write([]byte(r.round))
		rng := rand.New(rand.NewPCG(d.seed, h.Sum64()))
		due := roundDue(r.round, domain.MilestoneSHAReturn).Time()
		order := rng.Perm(len(shaRefs))
		for k, i := range order {
			sha := shaRefs[i].code
			var at time.Time
			switch {
			case k < 3: // late
				at = due.AddDate(0, 0, 3+rng.IntN(19))
			default:
				at = due.AddDate(0, 0, -1-rng.IntN(12))
			}
			at = returnHour(at)
			draft := d.draftReturn(r.round, sha, at, planSteps, 1)
			out = append(out, Step{At: at, Actor: d.assurers[sha], Cmd: draft})
			ackAt := returnHour(at.AddDate(0, 0, 5+rng.IntN(36))).Add(5 * time.Minute)
			if k == len(order)-1 {
				// CfH queries this return; the SHA answers with a second, which CfH then acknowledges.
				ackAt = returnHour(at.AddDate(0, 0, 6+rng.IntN(7))).Add(5 * time.Minute)
				out = append(out, Step{At: ackAt, Actor: d.CfH, Cmd: ReturnAcknowledgement{SHA: sha, Round: r.round,
					Note:    fmt.Sprintf("Return received from %s.", shaRefs[i].name),
					Queries: []string{"Please confirm the expected dates for the plans returned as exceptions.", "Please confirm the version of the PfIT deployment plan the assured plans are reflected in."}}})
				again := returnHour(ackAt.AddDate(0, 0, 5+rng.IntN(6)))
				second := d.draftReturn(r.round, sha, again, planSteps, 2)
				for j := range second.Exceptions {
					second.Exceptions[j].Reason += fmt.Sprintf(" Expected by %s.", monthYear(monthEnd(again, 2)))
				}
				out = append(out, Step{At: again, Actor: d.assurers[sha], Cmd: second})
				ackAt = returnHour(again.AddDate(0, 0, 5+rng.IntN(16))).Add(5 * time.Minute)
			}
			out = append(out, Step{At: ackAt, Actor: d.CfH, Cmd: ReturnAcknowledgement{SHA: sha, Round: r.round,
				Note: fmt.Sprintf("Return received from %s and acknowledged.", shaRefs[i].name), Queries: []string{}}})
		}
	}
	return out, nil
}

// returnHour is 07:45 UTC on at's day, or the Monday after a weekend: no plan step is recorded
// outside office hours, so the return is drawn up from every step recorded before it.
func returnHour(at time.Time) time.Time {
	t := day(at).Add(7*time.Hour + 45*time.Minute)
	switch t.Weekday() {
	case time.Saturday:
		t = t.AddDate(0, 0, 2)
	case time.Sunday:
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// draftReturn is SHA sha's n-th return for round at instant at: each of its LHCs by its live plan
// when that plan's current version is positively assured, otherwise by an exception saying where
// the LHC's plan stands.
func (d *Dataset) draftReturn(round, sha string, at time.Time, planSteps [][]Step, n int) ReturnDraft {
	pfit := d.pfit(sha)
	ref := domain.PfITPlanRef{Title: pfit + " deployment plan", Version: fmt.Sprintf("%s issue %d", round, 2+n)}
	ref.DocumentSHA256 = eventcodec.SHA256Hex([]byte(ref.Title + "/" + ref.Version))
	r := ReturnDraft{SHA: sha, Round: round, Exceptions: []domain.ReturnException{}, PfITPlanRef: ref}
	for _, l := range d.LHCs {
		if l.SHACode != sha {
			continue
		}
		var live planAt
		var liveID string
		for i, p := range d.Plans {
			if p.LHC != l.ID || p.Round != round {
				continue
			}
			if s := stateAt(planSteps[i], at); s.submitted && !s.withdrawn {
				live, liveID = s, p.PlanID()
			} else if s.submitted && liveID == "" {
				live = s
			}
		}
		var reason string
		switch {
		case liveID != "" && live.outcome.Positive():
			r.Plans = append(r.Plans, liveID)
			continue
		case !live.submitted:
			reason = fmt.Sprintf("No plan has been submitted for %s.", round)
		case live.withdrawn:
			reason = "The plan was withdrawn; the PCT is preparing a new one."
		case live.outcome == domain.OutcomeNotAssured:
			reason = fmt.Sprintf("Version %d was not assured; the PCT is revising the plan.", live.version)
		case live.signedOff:
			reason = "Sign-off and the SHA's assurance are in progress."
		default:
			reason = "The plan awaits its SROs' sign-off."
		}
		r.Exceptions = append(r.Exceptions, domain.ReturnException{LHCID: l.ID, Reason: reason})
	}
	return r
}
