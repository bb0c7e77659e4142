package demo

import (
	"context"
	"fmt"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
)

// round is the planning round the demo covers; its plans run for three financial years.
const round = "2009-10"

var period = domain.Period{FirstYear: 2009, LastYear: 2011}

// ending is where a plan's history stops.
type ending int

const (
	endAcknowledged ending = iota
	endAssured
	endAssuredWithConditions
	endNotAssured
	endSignedOff
	endSubmitted
	endWithdrawn
	endRevisedAndResigned // not assured, revised, contributed and signed again
	endAcknowledgedWithConditions
	endPartlySigned
)

type planRun struct {
	c           community
	sha         sha
	end         ending
	id          string
	content     domain.Content
	hash        string
	version     int
	contributed []string
	commissioner,
	assurer domain.Actor
}

type step func(ctx context.Context, p *planRun) error

// plans runs every LHC's plan one step at a time, all LHCs in turn, so that the simulated weeks
// pass for the whole round together, as they did.
func (g *generator) plans(ctx context.Context) error {
	cfh := g.person(cfhCode, domain.RoleCfH)
	assurers := map[string]domain.Actor{}
	runs := make([]*planRun, len(communities))
	scripts := make([][]step, len(communities))
	for i, c := range communities {
		s := shaOf(c.sha)
		if _, ok := assurers[s.code]; !ok {
			assurers[s.code] = g.person(s.code, domain.RoleSHAAssurer)
		}
		p := &planRun{c: c, sha: s, end: ending(i % 10), commissioner: g.person(c.pct, domain.RolePCTCommissioner), assurer: assurers[s.code]}
		p.content = g.vary(s)
		runs[i], scripts[i] = p, g.script(p, cfh)
	}
	for layer := 0; ; layer++ {
		g.tick(21 * 24 * time.Hour) // the weeks between one stage of the round and the next
		more := false
		for i, p := range runs {
			if layer >= len(scripts[i]) {
				continue
			}
			more = true
			g.tick(6 * time.Hour)
			if err := scripts[i][layer](ctx, p); err != nil {
				return fmt.Errorf("demo: plan for %s, step %d: %w", p.c.pct, layer+1, err)
			}
		}
		if !more {
			break
		}
	}
	for _, p := range runs {
		g.sum.Plans++
		g.sum.ByStatus[p.status()]++
	}
	return nil
}

func (p *planRun) status() domain.Status {
	return map[ending]domain.Status{
		endAcknowledged: domain.StatusAcknowledged, endAssured: domain.StatusAssured,
		endAssuredWithConditions: domain.StatusAssuredWithConditions, endNotAssured: domain.StatusNotAssured,
		endSignedOff: domain.StatusSignedOff, endSubmitted: domain.StatusSubmitted, endWithdrawn: domain.StatusWithdrawn,
		endRevisedAndResigned: domain.StatusSignedOff, endAcknowledgedWithConditions: domain.StatusAcknowledged,
		endPartlySigned: domain.StatusSubmitted,
	}[p.end]
}

func shaOf(code string) sha {
	for _, s := range shas {
		if s.code == code {
			return s
		}
	}
	panic("demo: unknown SHA " + code)
}

// script lists a plan's steps towards its ending.
func (g *generator) script(p *planRun, cfh domain.Actor) []step {
	steps := []step{g.submit}
	if p.end == endWithdrawn {
		return append(steps, g.withdraw)
	}
	steps = append(steps, g.contribute)
	if p.end == endSubmitted {
		return steps
	}
	steps = append(steps, g.signLead)
	if p.end == endPartlySigned {
		return steps
	}
	steps = append(steps, g.signContributors)
	switch p.end {
	case endSignedOff:
		return steps
	case endAssured:
		return append(steps, g.assure(domain.OutcomeAssured))
	case endAssuredWithConditions:
		return append(steps, g.assure(domain.OutcomeAssuredWithConditions))
	case endNotAssured:
		return append(steps, g.assure(domain.OutcomeNotAssured))
	case endAcknowledged:
		return append(steps, g.assure(domain.OutcomeAssured), g.acknowledge(cfh))
	case endAcknowledgedWithConditions:
		return append(steps, g.assure(domain.OutcomeAssuredWithConditions), g.acknowledge(cfh))
	default: // endRevisedAndResigned
		return append(steps, g.assure(domain.OutcomeNotAssured), g.revise, g.contribute, g.signLead, g.signContributors)
	}
}

func (g *generator) plan(ctx context.Context, p *planRun, actor domain.Actor, cmd domain.PlanCommand) error {
	_, err := g.h.Plan(ctx, command.Request{Actor: actor}, p.id, cmd)
	return err
}

func (g *generator) submit(ctx context.Context, p *planRun) error {
	r, err := g.h.Submit(ctx, command.Request{Actor: p.commissioner}, domain.SubmitPlan{LHCID: lhcID(p.c), Round: round, Period: period, Content: p.content})
	if err != nil {
		return err
	}
	p.id, p.version, p.contributed = r.PlanID, 1, nil
	p.hash, err = domain.ContentHash(p.content)
	return err
}

var sections = []struct{ section, summary string }{
	{"clinical5", "Trust PAS replacement and order communications timetable agreed with the LHC programme board."},
	{"infrastructure", "N3 connection upgrades and smartcard registration authority capacity at the trust."},
	{"data_quality", "Trust data quality improvement plan for SUS submissions, reviewed monthly."},
	{"nhs_number_adoption", "NHS Number tracing at registration in outpatients and A&E."},
}

func (g *generator) contribute(ctx context.Context, p *planRun) error {
	p.contributed = nil
	for _, prov := range p.c.providers {
		s := sections[g.rng.IntN(len(sections))]
		actor := g.person(prov.code, domain.RoleProvider)
		if err := g.plan(ctx, p, actor, domain.RecordContribution{Section: s.section, Summary: s.summary}); err != nil {
			return err
		}
		p.contributed = append(p.contributed, prov.code)
		g.tick(2 * time.Hour)
	}
	return nil
}

func (g *generator) signLead(ctx context.Context, p *planRun) error {
	return g.signOff(ctx, p, p.c.pct)
}

func (g *generator) signContributors(ctx context.Context, p *planRun) error {
	for _, org := range p.contributed {
		if err := g.signOff(ctx, p, org); err != nil {
			return err
		}
		g.tick(4 * time.Hour)
	}
	return nil
}

func (g *generator) signOff(ctx context.Context, p *planRun, org string) error {
	statement := fmt.Sprintf("As chief executive and Senior Responsible Owner I confirm that version %d of this plan has been properly prepared and has the support of the organisation's board.", p.version)
	return g.plan(ctx, p, g.chiefExecutive(org), domain.SignOffPlan{Version: p.version, Statement: statement, ContentHash: p.hash})
}

func (g *generator) assure(outcome domain.Outcome) step {
	return func(ctx context.Context, p *planRun) error {
		met := outcome != domain.OutcomeNotAssured
		cmd := domain.RecordAssurance{Version: p.version, Outcome: outcome, ReflectedInPfITPlan: met, PfIT: p.sha.pfit,
			Criteria: []domain.Criterion{
				{ID: "clinical5-roadmap", Met: met, Note: "Interim and strategic solutions with timescales for each Clinical 5 capability."},
				{ID: "national-programmes", Met: true, Note: "SCR, EPS Release 2, GP2GP and NHS Choices roll-out dated."},
				{ID: "governance", Met: true, Note: "Chief executives signed off as SROs."},
			}}
		if outcome == domain.OutcomeAssuredWithConditions {
			cmd.Conditions = []string{"Confirm EPS Release 2 deployment dates with the PfIT programme by the end of Q3."}
		}
		return g.plan(ctx, p, p.assurer, cmd)
	}
}

func (g *generator) acknowledge(cfh domain.Actor) step {
	return func(ctx context.Context, p *planRun) error {
		return g.plan(ctx, p, cfh, domain.AcknowledgeAssurance{Version: p.version, Note: "Assurance noted by NHS Connecting for Health."})
	}
}

func (g *generator) revise(ctx context.Context, p *planRun) error {
	p.content.Clinical5[0].InterimSolution += " (revised after SHA review)"
	p.content.DataQuality = "Weekly SUS data quality dashboard reviewed by the informatics board, with named leads per trust."
	if err := g.plan(ctx, p, p.commissioner, domain.RevisePlan{Content: p.content,
		Reason: "Addresses the SHA's findings: Clinical 5 roadmap timescales and data quality governance."}); err != nil {
		return err
	}
	p.version++
	var err error
	p.hash, err = domain.ContentHash(p.content)
	return err
}

func (g *generator) withdraw(ctx context.Context, p *planRun) error {
	return g.plan(ctx, p, p.commissioner, domain.WithdrawPlan{Reason: "The LHC is merging with a neighbouring community; a joint plan will follow."})
}

// vary returns the sample content adjusted to the SHA's programme and seeded figures.
func (g *generator) vary(s sha) domain.Content {
	c := g.content
	c.Clinical5 = append([]domain.Capability(nil), g.content.Clinical5...)
	opts := solutions[s.pfit]
	for i := range c.Clinical5 {
		c.Clinical5[i].StrategicSolution = opts[g.rng.IntN(len(opts))]
	}
	c.NHSNumberAdoption.CurrentPct = float64(800+g.rng.IntN(150)) / 10
	c.NHSNumberAdoption.TargetPct = 99.5
	c.CapacityAndFunding.Capital = int64(1_000_000 + g.rng.IntN(5_000_000))
	c.CapacityAndFunding.Revenue = int64(300_000 + g.rng.IntN(2_000_000))
	return c
}
