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
	b.content = d.content(rng, b.lhc, p.Period)
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
		contributors := b.contribute()
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
			return b.steps, nil
		case final && status == domain.StatusWithdrawn:
			if rng.IntN(2) == 0 {
				if err := b.signOff(b.lhc.LeadPCT, 2*24*time.Hour, 20*24*time.Hour); err != nil {
					return nil, err
				}
			}
			b.wait(7*24*time.Hour, 45*24*time.Hour)
			b.emit(d.commissioners[b.lhc.LeadPCT], domain.WithdrawPlan{Reason: withdrawReasons[rng.IntN(len(withdrawReasons))]})
			return b.steps, nil
		}
		if err := b.signOff(b.lhc.LeadPCT, 2*24*time.Hour, 20*24*time.Hour); err != nil {
			return nil, err
		}
		for _, org := range contributors {
			if err := b.signOff(org, 4*time.Hour, 10*24*time.Hour); err != nil {
				return nil, err
			}
		}
		switch {
		case final && status == domain.StatusSignedOff:
			return b.steps, nil
		case !final:
			b.assure(domain.OutcomeNotAssured)
		case status == domain.StatusAcknowledged:
			outcome := domain.OutcomeAssured
			if p.Path.Conditions {
				outcome = domain.OutcomeAssuredWithConditions
			}
			b.assure(outcome)
			b.wait(7*24*time.Hour, 45*24*time.Hour) // CfH's review
			b.emit(d.CfH, domain.AcknowledgeAssurance{Version: b.version,
				Note: fmt.Sprintf("Assurance of version %d noted; the plan is reflected in the %s deployment schedule.", b.version, d.pfit(b.lhc.SHACode))})
		default: // assured, assured_with_conditions, not_assured
			b.assure(domain.Outcome(status))
		}
	}
	return b.steps, nil
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

// contribute records the providers' contributions to the current version and returns who
// contributed. Version 1 usually has every member provider; a revision is contributed to by at least
// one of them.
func (b *planBuilder) contribute() []string {
	members := b.d.providersAt(b.lhc.ID, b.t)
	var who []string
	switch {
	case len(members) == 0:
	case b.version == 1 && (len(members) == 1 || b.rng.IntN(4) != 0):
		who = members
	default:
		who = slices.Clone(members)
		b.rng.Shuffle(len(who), func(i, j int) { who[i], who[j] = who[j], who[i] })
		who = who[:1+b.rng.IntN(len(who))]
	}
	for _, org := range who {
		sections := slices.Clone(domain.Sections)
		b.rng.Shuffle(len(sections), func(i, j int) { sections[i], sections[j] = sections[j], sections[i] })
		for _, section := range sections[:1+b.rng.IntN(2)] {
			b.wait(6*time.Hour, 14*24*time.Hour)
			summaries := sectionSummaries[section]
			c := domain.RecordContribution{Section: section, Summary: summaries[b.rng.IntN(len(summaries))]}
			if b.rng.IntN(2) == 0 {
				c.DocumentSHA256 = eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/%s/v%d/%s.pdf", b.id, org, b.version, section))
			}
			b.emit(b.d.informatics[org], c)
		}
	}
	return who
}

func (b *planBuilder) signOff(org string, lo, hi time.Duration) error {
	b.wait(lo, hi)
	ce, ok := b.d.ChiefExecutiveAt(org, b.t)
	if !ok {
		return fmt.Errorf("demo: no chief executive of %s is in office at %s", org, b.t.Format(time.RFC3339))
	}
	o, _ := b.d.Organisation(org)
	b.emit(ce, domain.SignOffPlan{Version: b.version, ContentHash: b.hash, Statement: fmt.Sprintf(
		"As chief executive of %s and Senior Responsible Owner, I confirm that version %d of the %s informatics plan has been prepared with the support of the board and reflects our commitments.",
		o.Name, b.version, b.lhc.Name)})
	return nil
}

// The criteria an SHA assures a plan against, with the note for met and unmet, and the condition set
// when an unmet one does not stop assurance.
var criteria = []struct{ id, met, unmet, condition string }{
	{"clinical5", "Interim and strategic solutions with dates for each Clinical 5 capability.",
		"Clinical 5 strategic dates are not aligned with the programme's deployment schedule.",
		"Re-phase the Clinical 5 strategic dates with the programme's deployment schedule by the end of the next quarter."},
	{"national_programmes", "SCR, EPS Release 2, GP2GP and NHS Choices positions are dated.",
		"EPS Release 2 deployment is not planned within the period.",
		"Confirm EPS Release 2 deployment dates with the local programme by the end of Q3."},
	{"nhs_number", "NHS Number adoption trajectory to at least 98%.",
		"No NHS Number adoption trajectory for community services.",
		"Add an NHS Number adoption trajectory for community services to the next monthly return."},
	{"information_governance", "IG Toolkit level 2 committed across the LHC.",
		"IG Toolkit level 2 is not committed for every member organisation.",
		"Every member organisation to commit to IG Toolkit level 2 in its next submission."},
	{"capacity_and_funding", "Capital and revenue identified and approved by the boards.",
		"Revenue consequences of the strategic solutions are not funded.",
		"Confirm the revenue funding of the strategic solutions in the PCT's operating plan."},
	{"sro_signoff", "Chief executives of the lead PCT and every contributor signed off as SROs.", "", ""},
}

func (b *planBuilder) assure(outcome domain.Outcome) {
	b.wait(14*24*time.Hour, 70*24*time.Hour) // the SHA's review
	unmet := map[int]bool{}
	switch outcome {
	case domain.OutcomeAssuredWithConditions:
		for range 1 + b.rng.IntN(2) {
			unmet[b.rng.IntN(len(criteria)-1)] = true
		}
	case domain.OutcomeNotAssured:
		for n := 2 + b.rng.IntN(2); len(unmet) < n; {
			unmet[b.rng.IntN(len(criteria)-1)] = true
		}
	}
	cmd := domain.RecordAssurance{Version: b.version, Outcome: outcome, PfIT: b.d.pfit(b.lhc.SHACode),
		ReflectedInPfITPlan: outcome == domain.OutcomeAssured || (outcome == domain.OutcomeAssuredWithConditions && b.rng.IntN(2) == 0)}
	for i, c := range criteria {
		cr := domain.Criterion{ID: c.id, Met: !unmet[i], Note: c.met}
		if unmet[i] {
			cr.Note = c.unmet
			if outcome == domain.OutcomeAssuredWithConditions {
				cmd.Conditions = append(cmd.Conditions, c.condition)
			}
		}
		cmd.Criteria = append(cmd.Criteria, cr)
	}
	b.emit(b.d.assurers[b.lhc.SHACode], cmd)
}

func (b *planBuilder) revise() error {
	b.content = b.d.revised(b.rng, b.content, b.spec.Period, b.version+1)
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
	reviseReasons = []string{
		"Responds to the SHA's findings: Clinical 5 dates re-phased and the NHS Number adoption trajectory extended.",
		"Addresses the SHA's assurance findings on deployment dates, data quality governance and funding.",
	}
)
