package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// PlanSteps returns the steps of one plan's history, in order, from its submission at p.Start along
// p.Path. Content, gaps between steps and contributions are seeded by the data set's seed and the
// plan (LHC, round, N), so the same spec always gives the same steps.
//
// The LHC and its members must be recorded first (RegistrySteps). Each sign-off is by the chief
// executive in office at the step's At; see Step.At for running steps on another clock.
func (d *Dataset) PlanSteps(p PlanSpec) ([]Step, error) {
	if _, ok := d.lhcs[p.LHC]; !ok {
		return nil, fmt.Errorf("demo: no LHC %q in the data set", p.LHC)
	}
	if err := p.Path.check(); err != nil {
		return nil, err
	}
	rng := d.planRand(p)
	b := &planBuilder{d: d, rng: rng, spec: p, lhc: d.lhc(p.LHC), id: p.PlanID(), t: p.Start.UTC()}
	content, err := d.planContent(rng, p, b.lhc)
	if err != nil {
		return nil, err
	}
	b.content = d.fillIndicators(content, p, 1, b.t)
	b.version = 1
	if err := b.rehash(); err != nil {
		return nil, err
	}
	b.emit(d.commissioners[b.lhc.LeadPCT], domain.SubmitPlan{LHCID: p.LHC, Round: p.Round, Period: p.Period, Content: b.content})

	status := p.Path.Status
	for cycle := 0; cycle <= p.Path.Revisions; cycle++ {
		final := cycle == p.Path.Revisions
		if cycle > 0 {
			b.wait(10*24*time.Hour, 35*24*time.Hour) // the PCT reworks the plan after the SHA's judgement
			if err := b.revise(); err != nil {
				return nil, err
			}
		}
		// A plan left waiting for the SHA waits, too, for a member that has not answered.
		silent := ""
		if members := d.membersAt(b.lhc.ID, b.t); final && status == domain.StatusSignedOff && len(members) > 1 {
			silent = members[len(members)-1]
		}
		contributors := b.contribute(silent)
		switch {
		case final && status == domain.StatusSubmitted:
			if p.Path.PartlySigned {
				if len(contributors) == 0 {
					return nil, fmt.Errorf("demo: LHC %q has no provider to leave a sign-off outstanding", p.LHC)
				}
				if err := b.signOff(b.lhc.LeadPCT, 2*24*time.Hour, 20*24*time.Hour); err != nil {
					return nil, err
				}
			}
			return b.done(), nil
		case final && status == domain.StatusWithdrawn:
			if rng.IntN(2) == 0 {
				if err := b.signOff(b.lhc.LeadPCT, 2*24*time.Hour, 20*24*time.Hour); err != nil {
					return nil, err
				}
			}
			b.wait(7*24*time.Hour, 45*24*time.Hour)
			b.emit(d.commissioners[b.lhc.LeadPCT], domain.WithdrawPlan{Reason: withdrawReasons[rng.IntN(len(withdrawReasons))]})
			return b.done(), nil
		}
		others := b.declines(contributors, silent)
		if err := b.signOff(b.lhc.LeadPCT, 2*24*time.Hour, 20*24*time.Hour); err != nil {
			return nil, err
		}
		for _, org := range contributors {
			if err := b.signOff(org, 4*time.Hour, 10*24*time.Hour); err != nil {
				return nil, err
			}
		}
		if final && status == domain.StatusSignedOff {
			b.excuse(others)
			return b.done(), nil
		}
		b.excuse(others)
		switch {
		case !final:
			b.assure(domain.OutcomeNotAssured, false)
		case status == domain.StatusAcknowledged:
			outcome := domain.OutcomeAssured
			if p.Path.Conditions {
				outcome = domain.OutcomeAssuredWithConditions
			}
			at := b.assure(outcome, false)
			b.wait(7*24*time.Hour, 45*24*time.Hour) // CfH's review
			b.emit(d.CfH, domain.AcknowledgeAssurance{Version: b.version,
				Note: fmt.Sprintf("Assurance of version %d acknowledged: the plan is reflected in the %s deployment plan.", b.version, d.pfit(b.lhc.SHACode))})
			b.followUp(at)
			b.deliver()
		default: // assured, assured_with_conditions, not_assured
			at := b.assure(domain.Outcome(status), p.Path.Noted)
			if p.Path.Noted {
				b.wait(7*24*time.Hour, 45*24*time.Hour)
				b.emit(d.CfH, domain.NoteAssurance{Version: b.version, Note: b.noteText(domain.Outcome(status))})
			}
			b.followUp(at)
			if status != domain.StatusNotAssured {
				b.deliver()
			}
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.done(), nil
}

// done is the plan's steps in time order: the conditions' follow-up runs beside CfH's review.
func (b *planBuilder) done() []Step {
	slices.SortStableFunc(b.steps, func(x, y Step) int { return x.At.Compare(y.At) })
	return b.steps
}

func (b *planBuilder) noteText(o domain.Outcome) string {
	sha, _ := b.d.Organisation(b.lhc.SHACode)
	if o == domain.OutcomeNotAssured {
		return fmt.Sprintf("Noted: %s judged version %d not assured; CfH awaits the revised plan before it can be acknowledged.", sha.Name, b.version)
	}
	return fmt.Sprintf("Noted: version %d is assured with conditions but not yet reflected in the %s deployment plan; CfH will acknowledge it once the deployment dates are agreed.",
		b.version, b.d.pfit(b.lhc.SHACode))
}

func (p Path) check() error {
	switch {
	case !p.Status.Valid():
		return fmt.Errorf("demo: path status %q is not a plan status", p.Status)
	case p.Revisions < 0:
		return fmt.Errorf("demo: path revisions %d is negative", p.Revisions)
	case p.Conditions && p.Status != domain.StatusAcknowledged:
		return fmt.Errorf("demo: path conditions apply to status %s only (use %s for an assurance with conditions)", domain.StatusAcknowledged, domain.StatusAssuredWithConditions)
	case p.PartlySigned && p.Status != domain.StatusSubmitted:
		return fmt.Errorf("demo: a partly signed plan has status %s, not %s", domain.StatusSubmitted, p.Status)
	case p.Noted && p.Status != domain.StatusNotAssured && p.Status != domain.StatusAssuredWithConditions:
		return fmt.Errorf("demo: CfH notes only an assurance it cannot acknowledge (%s or %s), not %s", domain.StatusNotAssured, domain.StatusAssuredWithConditions, p.Status)
	}
	return nil
}

// planBuilder accumulates one plan's steps on the plan's own simulated timeline.
type planBuilder struct {
	d       *Dataset
	rng     *rand.Rand
	spec    PlanSpec
	lhc     LHC
	id      string
	t       time.Time
	version int
	content domain.Content
	hash    string
	steps   []Step
	// conditions of the last assurance, and their due date
	conditions []domain.Condition
	due        domain.Date
	err        error // why the path cannot be taken, found while building it
	// accounted are the members that have contributed to, declined or been excused from the
	// current version.
	accounted map[string]bool
	// lhcMeeting is the LHC programme board's approval of a version, which every member relying
	// on that board cites: the board met once.
	lhcMeeting map[int]domain.RecordBoardApproval
}

func (b *planBuilder) emit(actor domain.Actor, cmd domain.PlanCommand) {
	b.steps = append(b.steps, Step{At: b.t, Actor: actor, Plan: b.id, Cmd: cmd})
}

// wait moves the plan's clock on by a gap in [lo, hi), into office hours.
func (b *planBuilder) wait(lo, hi time.Duration) {
	b.t = officeHours(b.t.Add(randDuration(b.rng, lo, hi)))
}

func (b *planBuilder) rehash() error {
	h, err := eventcodec.ContentHash(b.content)
	b.hash = h
	return err
}

// contribute records the members' contributions to the current version (silent's aside) and
// returns who contributed: some of the members, at least one; the others decline or are excused.
func (b *planBuilder) contribute(silent string) []string {
	members := slices.DeleteFunc(b.d.membersAt(b.lhc.ID, b.t), func(m string) bool { return m == silent })
	var who []string
	switch {
	case len(members) == 0:
	case len(members) == 1:
		who = members
	default:
		who = slices.Clone(members)
		b.rng.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
		who = who[:1+b.rng.IntN(len(who))]
	}
	b.accounted = map[string]bool{}
	for _, org := range who {
		b.accounted[org] = true
		sections := slices.Clone(domain.Sections)
		b.rng.Shuffle(len(sections), func(i, j int) { sections[i], sections[j] = sections[j], sections[i] })
		for _, section := range sections[:1+b.rng.IntN(2)] {
			b.wait(6*time.Hour, 14*24*time.Hour)
			summaries := sectionSummaries[section]
			c := domain.RecordContribution{Section: section, Summary: summaries[b.rng.IntN(len(summaries))]}
			if b.rng.IntN(2) == 0 {
				c.DocumentSHA256 = eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/%s/v%d/%s.pdf", b.id, org, b.version, section))
			}
			b.emit(b.d.speaksFor(org), c)
		}
	}
	return who
}

// speaksFor is who records a member's contribution or decline: a provider's informatics lead, a
// PCT's commissioner.
func (d *Dataset) speaksFor(org string) domain.Actor {
	if a, ok := d.informatics[org]; ok {
		return a
	}
	return d.commissioners[org]
}

// declines has some of the members that did not contribute to the current version say so, and
// returns the others, but silent, for the SHA to excuse.
func (b *planBuilder) declines(contributors []string, silent string) []string {
	var others []string
	for _, org := range b.d.membersAt(b.lhc.ID, b.t) {
		if slices.Contains(contributors, org) || org == silent {
			continue
		}
		if b.rng.IntN(5) < 2 {
			b.wait(24*time.Hour, 10*24*time.Hour)
			b.emit(b.d.speaksFor(org), domain.DeclineContribution{Version: b.version, Reason: declineReasons[b.rng.IntN(len(declineReasons))]})
			b.accounted[org] = true
			continue
		}
		others = append(others, org)
	}
	return others
}

// excuse has the SHA excuse members that neither contributed nor declined, as it reviews the plan.
func (b *planBuilder) excuse(orgs []string) {
	for _, org := range orgs {
		b.wait(24*time.Hour, 7*24*time.Hour)
		b.emit(b.d.assurers[b.lhc.SHACode], domain.ExcuseMember{Version: b.version, ODSCode: org, Reason: excuseReasons[b.rng.IntN(len(excuseReasons))]})
		b.accounted[org] = true
	}
}

func (b *planBuilder) signOff(org string, lo, hi time.Duration) error {
	b.wait(lo, hi)
	ce, ok := b.d.ChiefExecutiveAt(org, b.t)
	if !ok {
		return fmt.Errorf("demo: no chief executive of %s is in office at %s", org, b.t.Format(time.RFC3339))
	}
	o, _ := b.d.Organisation(org)
	b.approve(org, ce, b.t)
	b.emit(ce, domain.SignOffPlan{Version: b.version, ContentHash: b.hash, Statement: fmt.Sprintf(
		"As chief executive of %s and Senior Responsible Owner, I confirm that version %d of the %s informatics plan has been prepared with the support of the board and reflects our commitments.",
		o.Name, b.version, b.lhc.Name)})
	return nil
}

// assure records the SHA's assurance of the current version with outcome and returns when. Every
// criterion of the catalogue is rated: all green for assured; one or two amber, each with its
// condition, for assured with conditions (the PfIT criterion among them when CfH is to note the
// assurance rather than acknowledge it); two or three red for not assured. The plan is reflected in
// the PfIT plan when the PfIT criterion is green.
func (b *planBuilder) assure(outcome domain.Outcome, noted bool) time.Time {
	b.wait(14*24*time.Hour, 70*24*time.Hour) // the SHA's review
	// A member that joined the LHC during the review is excused from the version it did not see.
	for _, m := range b.d.membersAt(b.lhc.ID, b.t) {
		if !b.accounted[m] {
			b.emit(b.d.assurers[b.lhc.SHACode], domain.ExcuseMember{Version: b.version, ODSCode: m, Reason: excuseReasons[1]})
			b.accounted[m] = true
			b.t = b.t.Add(time.Hour)
		}
	}
	rating := make([]domain.Rating, len(catalogue))
	for i := range rating {
		rating[i] = domain.RatingGreen
	}
	pick := func(r domain.Rating, n int, withPfIT bool) {
		for set := 0; set < n; {
			i := b.rng.IntN(ratable)
			if rating[i] != domain.RatingGreen || (i == pfitCriterion && !withPfIT) {
				continue
			}
			rating[i] = r
			set++
		}
	}
	switch outcome {
	case domain.OutcomeAssuredWithConditions:
		if noted {
			rating[pfitCriterion] = domain.RatingAmber
			pick(domain.RatingAmber, b.rng.IntN(2), false)
		} else {
			pick(domain.RatingAmber, 1+b.rng.IntN(2), false)
		}
	case domain.OutcomeNotAssured:
		pick(domain.RatingRed, 2+b.rng.IntN(2), true)
		pick(domain.RatingAmber, b.rng.IntN(2), true)
	}
	due := monthEnd(b.t, 3) // conditions are met within the quarter after next
	cmd := domain.RecordAssurance{Version: b.version, Outcome: outcome, PfIT: b.d.pfitID(b.lhc.SHACode),
		ReflectedInPfITPlan: rating[pfitCriterion] == domain.RatingGreen, Criteria: []domain.Criterion{}, Conditions: []domain.Condition{}}
	for i, c := range catalogue {
		cr := domain.Criterion{ID: c.id, Rating: rating[i], Note: c.green}
		switch rating[i] {
		case domain.RatingAmber:
			cr.Note = c.amber
			if outcome == domain.OutcomeAssuredWithConditions {
				cmd.Conditions = append(cmd.Conditions, domain.Condition{ID: c.id, Text: c.cond, Criterion: c.id, Due: due})
			}
		case domain.RatingRed:
			cr.Note = c.red
		}
		cmd.Criteria = append(cmd.Criteria, cr)
	}
	if len(cmd.Conditions) > 0 && due.After(b.spec.Period.End()) && b.err == nil {
		// A condition is met while the plan runs: a plan started long before its clock's today
		// cannot be assured with conditions.
		b.err = fmt.Errorf("demo: plan %s's conditions would fall due on %s, after its period ends on %s", b.id, due, b.spec.Period.End())
	}
	b.emit(b.d.assurers[b.lhc.SHACode], cmd)
	b.conditions, b.due = cmd.Conditions, due
	return b.t
}

// followUp is what becomes of the conditions of the assurance recorded at: about half evidenced
// and discharged, some let lapse once due, some evidenced and awaiting the SHA's review, some with
// nothing done yet. It runs on its own clock, beside CfH's review.
func (b *planBuilder) followUp(at time.Time) {
	lead := b.d.commissioners[b.lhc.LeadPCT]
	sha := b.d.assurers[b.lhc.SHACode]
	for _, c := range b.conditions {
		t := at
		step := func(lo, hi time.Duration, actor domain.Actor, cmd domain.PlanCommand) {
			t = officeHours(t.Add(randDuration(b.rng, lo, hi)))
			b.steps = append(b.steps, Step{At: t, Actor: actor, Plan: b.id, Cmd: cmd})
		}
		evidence := func() {
			step(20*24*time.Hour, 60*24*time.Hour, lead, domain.SubmitConditionEvidence{Version: b.version, ConditionID: c.ID,
				Summary: evidenceSummaries[b.rng.IntN(len(evidenceSummaries))], DocumentSHA256: eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/condition/%s.pdf", b.id, c.ID))})
		}
		switch n := b.rng.IntN(100); {
		case n < 40:
			evidence()
			step(5*24*time.Hour, 20*24*time.Hour, sha, domain.DischargeCondition{Version: b.version, ConditionID: c.ID, Note: "The evidence shows the condition is met."})
		case n < 60 && !b.spec.NoLapse:
			t = b.due.Time().Add(24 * time.Hour)
			step(24*time.Hour, 20*24*time.Hour, sha, domain.LapseCondition{Version: b.version, ConditionID: c.ID,
				Note: "No evidence by the due date; to be carried into next year's assurance."})
		case n < 75:
			evidence()
		}
	}
}

func (b *planBuilder) revise() error {
	b.content = b.d.fillIndicators(b.d.revised(b.rng, b.content, b.spec.Period, b.version+1, b.t), b.spec, b.version+1, b.t)
	b.emit(b.d.commissioners[b.lhc.LeadPCT], domain.RevisePlan{Content: b.content, Reason: reviseReasons[b.rng.IntN(len(reviseReasons))]})
	b.version++
	return b.rehash()
}

var (
	sectionSummaries = map[string][]string{
		"clinical5": {
			"Trust PAS replacement and order communications timetable agreed with the LHC informatics board.",
			"Interim e-prescribing pilot wards and strategic go-live dates confirmed by the trust's clinical safety officer.",
		},
		"community_integration": {
			"Community nursing teams' access to the shared GP record, and electronic discharge summaries from the trust.",
		},
		"national_programmes": {
			"Trust readiness for Summary Care Record viewing in A&E and the out-of-hours service.",
			"EPS Release 2 and GP2GP dependencies on the trust's pharmacy and outpatient systems.",
		},
		"infrastructure": {
			"N3 connection upgrades and smartcard Registration Authority capacity at the trust.",
		},
		"information_governance": {
			"Trust IG Toolkit improvement plan to reach level 2 on all requirements.",
		},
		"data_quality": {
			"Trust data quality improvement plan for SUS submissions, reviewed monthly by the trust board.",
		},
		"nhs_number_adoption": {
			"NHS Number tracing at registration in outpatients and A&E, with a monthly completeness report.",
		},
		"capacity_and_funding": {
			"Trust capital and revenue contribution to the LHC programme, approved by the trust board.",
		},
	}
	withdrawReasons = []string{
		"The LHC is being reconfigured with a neighbouring community; a joint plan will follow.",
		"Withdrawn at the PCT board's request pending the outcome of the acute services review; a new plan will be submitted.",
	}
	declineReasons = []string{
		"Our services and systems are unchanged this year; the lead PCT's plan covers them.",
		"Our informatics plan is agreed with our own commissioners; we have nothing to add to the LHC's.",
		"We provide a single service under contract; the PCT's plan reflects it.",
	}
	excuseReasons = []string{
		"The member's contract with the PCT ends during the plan's first year.",
		"The member joined the LHC after the plan was drafted; it contributes to the next version.",
		"Asked twice without an answer; the plan does not depend on its systems.",
	}
	evidenceSummaries = []string{
		"Board paper and action log showing the condition met, with the informatics board's minute.",
		"Revised plan section agreed with the SHA's informatics lead, with the supporting schedule.",
		"Returns from every member organisation showing the requirement met.",
	}
	reviseReasons = []string{
		"Responds to the SHA's findings: Clinical 5 dates re-phased and the NHS Number adoption trajectory extended.",
		"Addresses the SHA's assurance findings on deployment dates, data quality governance and funding.",
	}
)
