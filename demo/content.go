package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"assurance-ledger/domain"
)

// planContent is version 1's content of plan p: for a 2010-11 plan of an LHC that had a 2009-10
// plan, what that plan said, a year on; otherwise a fresh variation of the sample.
func (d *Dataset) planContent(rng *rand.Rand, p PlanSpec, l LHC) (domain.Content, error) {
	if p.Round == Round2010 {
		var prev *PlanSpec
		for i := range d.Plans {
			if q := &d.Plans[i]; q.LHC == p.LHC && q.Round == Round2009 && (prev == nil || q.N > prev.N) {
				prev = q
			}
		}
		if prev != nil {
			last, err := d.finalContent(*prev)
			if err != nil {
				return domain.Content{}, err
			}
			return d.followOn(rng, last, l, p.Period, p.Start), nil
		}
	}
	return d.content(rng, l, p.Period, p.Start), nil
}

// finalContent is the content of the last version of plan p.
func (d *Dataset) finalContent(p PlanSpec) (domain.Content, error) {
	steps, err := d.PlanSteps(p)
	if err != nil {
		return domain.Content{}, err
	}
	var c domain.Content
	for _, s := range steps {
		switch cmd := s.Cmd.(type) {
		case domain.SubmitPlan:
			c = cmd.Content
		case domain.RevisePlan:
			c = cmd.Content
		}
	}
	return c, nil
}

// planningFrom is the month a plan's dates are counted from: the later of the period's start and the
// plan's submission, so that nothing the plan says is still to come is already past. (A plan
// submitted after its period is nearly over, as a benchmark's may be, counts from the start.)
func planningFrom(p domain.Period, submitted time.Time) time.Time {
	start := p.Start().Time()
	if submitted.After(start) && submitted.Before(p.End().Time().AddDate(-1, -6, 0)) {
		return submitted
	}
	return start
}

// within is d moved into the period [from, end]: not before from's month end, not after end.
func within(d domain.Date, from time.Time, end domain.Date) domain.Date {
	if first := monthEnd(from, 0); d.Before(first) {
		d = first
	}
	if d.After(end) {
		d = end
	}
	return d
}

// content varies the sample content for one plan of the LHC, submitted at submitted: solutions of
// the SHA's programme, dates inside the period and after the submission, NHS Number figures and
// money, all seeded.
func (d *Dataset) content(rng *rand.Rand, l LHC, p domain.Period, submitted time.Time) domain.Content {
	c := d.sample
	c.Clinical5 = slices.Clone(d.sample.Clinical5)
	c.NationalProgrammes = slices.Clone(d.sample.NationalProgrammes)
	from, end := planningFrom(p, submitted), p.End()
	place := d.places[l.ID]
	products := strategicProducts[d.pfit(l.SHACode)]
	product := products[rng.IntN(len(products))]
	for i := range c.Clinical5 {
		name := c.Clinical5[i].Capability
		interim := within(monthEnd(from, 3+rng.IntN(13)), from, end)
		strategic := within(monthEnd(interim.Time(), 6+rng.IntN(19)), from, end)
		options := interimSolutions[name]
		c.Clinical5[i] = domain.Capability{Capability: name, InterimSolution: options[rng.IntN(len(options))],
			StrategicSolution: product + " " + capabilityNames[name], InterimDate: interim, StrategicDate: strategic}
	}
	for i := range c.NationalProgrammes {
		np := &c.NationalProgrammes[i]
		switch np.Programme {
		case domain.ProgrammeSCR:
			np.Status, np.PlannedDate = domain.ProgrammePlanned, within(monthEnd(from, 6+rng.IntN(15)), from, end)
		case domain.ProgrammeEPSR2:
			np.Status, np.PlannedDate = domain.ProgrammePlanned, within(monthEnd(from, 9+rng.IntN(22)), from, end)
		case domain.ProgrammeGP2GP:
			np.Status, np.PlannedDate = domain.ProgrammeInProgress, within(monthEnd(from, 2+rng.IntN(11)), from, end)
		case domain.ProgrammeNHSChoices:
			np.Status, np.PlannedDate = domain.ProgrammeLive, monthEnd(from, -1-rng.IntN(6)) // live since
		}
	}
	record := communityRecords[rng.IntN(len(communityRecords))]
	c.CommunityIntegration = fmt.Sprintf("Community services in %s move to the %s shared record with GP practices in the LHC by %s.",
		place, record, monthYear(monthEnd(from, 18+rng.IntN(12))))
	c.Infrastructure = infrastructure[rng.IntN(len(infrastructure))]
	c.InformationGovernance = fmt.Sprintf("IG Toolkit level 2 on all requirements across all member organisations by March %d.", p.FirstYear+1)
	c.DataQuality = dataQuality[rng.IntN(len(dataQuality))]
	c.NHSNumberAdoption = domain.NHSNumberAdoption{
		CurrentPct: float64(800+rng.IntN(176)) / 10, // 80.0 to 97.5
		TargetPct:  float64(980+5*rng.IntN(4)) / 10, // 98.0 to 99.5
		TargetDate: within(monthEnd(from, 11+rng.IntN(13)), from, end),
	}
	c.CapacityAndFunding = domain.CapacityAndFunding{
		Capital:  int64(50+rng.IntN(800)) * 10_000, // £0.5m to £8.5m
		Revenue:  int64(40+rng.IntN(560)) * 5_000,  // £0.2m to £3m
		Currency: domain.Currency,
	}
	return c
}

// followOn is the content of an LHC's plan for the period p, submitted at submitted, written a year
// after prev, its plan for the round before: interim solutions delivered since are built on, the
// national programmes have moved on, NHS Number adoption has risen towards last year's target, and
// every narrative says where the LHC now stands.
func (d *Dataset) followOn(rng *rand.Rand, prev domain.Content, l LHC, p domain.Period, submitted time.Time) domain.Content {
	c := prev
	from, end := planningFrom(p, submitted), p.End()
	today := domain.DateOf(submitted.UTC())
	c.Clinical5 = slices.Clone(prev.Clinical5)
	for i := range c.Clinical5 {
		cp := &c.Clinical5[i]
		if !cp.InterimDate.After(today) {
			cp.InterimSolution = fmt.Sprintf("%s, live since %s, extended to every site", strings.TrimSuffix(cp.InterimSolution, "."), monthYear(cp.InterimDate))
			cp.InterimDate = within(monthEnd(from, 2+rng.IntN(7)), from, end)
		} else {
			cp.InterimDate = within(cp.InterimDate, from, end)
		}
		if !cp.StrategicDate.After(cp.InterimDate) || cp.StrategicDate.After(end) {
			cp.StrategicDate = within(monthEnd(cp.InterimDate.Time(), 6+rng.IntN(13)), from, end)
		}
	}
	c.NationalProgrammes = slices.Clone(prev.NationalProgrammes)
	for i := range c.NationalProgrammes {
		np := &c.NationalProgrammes[i]
		switch {
		case np.Status == domain.ProgrammeLive:
		case np.PlannedDate.After(today):
			np.PlannedDate = within(np.PlannedDate, from, end)
		case np.Status == domain.ProgrammeInProgress:
			np.Status = domain.ProgrammeLive // went live on its planned date
		default:
			np.Status, np.PlannedDate = domain.ProgrammeInProgress, within(monthEnd(from, 2+rng.IntN(7)), from, end)
		}
	}
	record := communityRecords[0]
	for _, r := range communityRecords {
		if strings.Contains(prev.CommunityIntegration, r) {
			record = r
		}
	}
	c.CommunityIntegration = fmt.Sprintf("Building on the %d/%02d plan: %d of the LHC's GP practices now share the %s record with community services in %s; the rest follow by %s.",
		p.FirstYear-1, p.FirstYear%100, 8+rng.IntN(30), record, d.places[l.ID], monthYear(within(monthEnd(from, 9+rng.IntN(12)), from, end)))
	c.Infrastructure = infrastructure[(slices.Index(infrastructure, prev.Infrastructure)+1)%len(infrastructure)]
	c.InformationGovernance = fmt.Sprintf("IG Toolkit level 2 reached across the LHC in %d/%02d; level 3 on the clinical records requirements by March %d.",
		p.FirstYear-1, p.FirstYear%100, p.FirstYear+2)
	c.DataQuality = fmt.Sprintf("%s Valid NHS Numbers in SUS submissions rose to %.1f%% over %d/%02d; the monthly review continues, with a data quality lead in every member.",
		dataQuality[rng.IntN(len(dataQuality))], float64(930+rng.IntN(60))/10, p.FirstYear-1, p.FirstYear%100)
	current := min(prev.NHSNumberAdoption.TargetPct-float64(5+rng.IntN(25))/10, 99.0)
	c.NHSNumberAdoption = domain.NHSNumberAdoption{CurrentPct: current, TargetPct: max(current, float64(990+rng.IntN(9))/10),
		TargetDate: within(monthEnd(from, 9+rng.IntN(7)), from, end)}
	c.CapacityAndFunding = domain.CapacityAndFunding{Capital: int64(30+rng.IntN(400)) * 10_000,
		Revenue: prev.CapacityAndFunding.Revenue + int64(5+rng.IntN(30))*5_000, Currency: domain.Currency}
	return c
}

// revised is the content of version n after the SHA's findings, written at t: two capabilities'
// interim dates move back a quarter (never past their strategic date), data quality governance is
// strengthened and more revenue is found.
func (d *Dataset) revised(rng *rand.Rand, c domain.Content, p domain.Period, n int, t time.Time) domain.Content {
	c.Clinical5 = slices.Clone(c.Clinical5)
	c.NationalProgrammes = slices.Clone(c.NationalProgrammes)
	for _, i := range rng.Perm(len(c.Clinical5))[:2] {
		cp := &c.Clinical5[i]
		if later := monthEnd(cp.InterimDate.Time(), 3); !later.After(cp.StrategicDate) && !later.After(p.End()) && later.After(domain.DateOf(t)) {
			cp.InterimDate = later
		}
	}
	c.DataQuality = fmt.Sprintf("%s From version %d: a named data quality lead in every member organisation and a weekly NHS Number completeness report to the informatics board.", c.DataQuality, n)
	c.CapacityAndFunding.Revenue += int64(10+rng.IntN(40)) * 5_000
	return c
}

// monthEnd is the last day of the month k months after t's.
func monthEnd(t time.Time, k int) domain.Date {
	y, m, _ := t.Date()
	return domain.DateOf(time.Date(y, m+time.Month(k)+1, 0, 0, 0, 0, 0, time.UTC))
}

func monthYear(d domain.Date) string { return fmt.Sprintf("%s %d", d.Month(), d.Year()) }

var (
	// strategicProducts are the strategic solutions of each local programme in 2009.
	strategicProducts = map[string][]string{
		pfitNME:    {"Lorenzo Release 1.9", "Lorenzo Release 2", "Lorenzo Release 3"},
		pfitLondon: {"Cerner Millennium (London configuration)", "Cerner Millennium (London release 1)"},
		pfitSouth:  {"Cerner Millennium (Southern configuration)", "Local solution (Additional Supply Capability and Capacity framework) for"},
	}
	capabilityNames = map[string]string{
		domain.CapabilityPASReporting: "PAS and reporting",
		domain.CapabilityOrderComms:   "order communications",
		domain.CapabilityCodedLetters: "clinical correspondence",
		domain.CapabilityScheduling:   "scheduling",
		domain.CapabilityEPrescribing: "e-prescribing",
	}
	interimSolutions = map[string][]string{
		domain.CapabilityPASReporting: {
			"Upgrade of existing iSOFT PAS with reporting module",
			"Extended support for the existing Medway PAS with SUS reporting extracts",
			"System C PAS upgraded to the current release",
			"Existing PAS retained with a data warehouse for reporting",
		},
		domain.CapabilityOrderComms: {
			"Pathology order communications via existing ICE system",
			"ICE order communications extended to GP practices",
			"Radiology requesting through the trust's RIS",
		},
		domain.CapabilityCodedLetters: {
			"Coded discharge summaries from local EDM",
			"Electronic discharge letters to GP practices via Docman",
			"Outpatient letters with coded diagnoses from the digital dictation system",
		},
		domain.CapabilityScheduling: {
			"Choose and Book integration with outpatient booking",
			"Theatre scheduling module of the existing PAS",
			"Partial booking with text message reminders for outpatients",
		},
		domain.CapabilityEPrescribing: {
			"Pilot of JAC e-prescribing on two wards",
			"Ascribe e-prescribing in pharmacy and two pilot wards",
			"Electronic prescribing of discharge medication (TTOs)",
			"ChemoCare e-prescribing in oncology",
		},
	}
	communityRecords = []string{"SystmOne", "RiO", "EMIS Web"}
	infrastructure   = []string{
		"N3 bandwidth upgrade at both acute sites; single sign-on with NHS smartcards; server room consolidation.",
		"N3 connections for all community clinics; Registration Authority capacity for smartcard roll-out to community staff.",
		"Wireless network on all wards; N3 resilience with a second connection; desktop refresh to support the strategic solution.",
	}
	dataQuality = []string{
		"Monthly SUS data quality dashboard reviewed by the informatics board.",
		"Data quality audit of admitted patient care and outpatient records every quarter, reported to the LHC board.",
		"SUS data quality reports reviewed monthly by each member organisation, with a shared improvement plan.",
	}
)
