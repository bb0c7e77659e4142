package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"assurance-ledger/domain"
)

// content varies the sample content for one plan of the LHC: solutions of the SHA's programme,
// dates inside the period, NHS Number figures and money, all seeded.
func (d *Dataset) content(rng *rand.Rand, l LHC, p domain.Period) domain.Content {
	c := d.sample
	c.Clinical5 = slices.Clone(d.sample.Clinical5)
	c.NationalProgrammes = slices.Clone(d.sample.NationalProgrammes)
	start, end := p.Start().Time(), p.End()
	place := d.places[l.ID]
	products := strategicProducts[d.pfit(l.SHACode)]
	product := products[rng.IntN(len(products))]
	for i := range c.Clinical5 {
		name := c.Clinical5[i].Capability
		interim := monthEnd(start, 3+rng.IntN(13))
		strategic := monthEnd(interim.Time(), 6+rng.IntN(19))
		if strategic.After(end) {
			strategic = end
		}
		options := interimSolutions[name]
		c.Clinical5[i] = domain.Capability{Capability: name, InterimSolution: options[rng.IntN(len(options))],
			StrategicSolution: product + " " + capabilityNames[name], InterimDate: interim, StrategicDate: strategic}
	}
	for i := range c.NationalProgrammes {
		np := &c.NationalProgrammes[i]
		switch np.Programme {
		case domain.ProgrammeSCR:
			np.Status, np.PlannedDate = domain.ProgrammePlanned, monthEnd(start, 6+rng.IntN(15))
		case domain.ProgrammeEPSR2:
			np.Status, np.PlannedDate = domain.ProgrammePlanned, monthEnd(start, 9+rng.IntN(22))
		case domain.ProgrammeGP2GP:
			np.Status, np.PlannedDate = domain.ProgrammeInProgress, monthEnd(start, 2+rng.IntN(11))
		case domain.ProgrammeNHSChoices:
			np.Status, np.PlannedDate = domain.ProgrammeLive, monthEnd(start, rng.IntN(7))
		}
	}
	record := communityRecords[rng.IntN(len(communityRecords))]
	c.CommunityIntegration = fmt.Sprintf("Community services in %s move to the %s shared record with GP practices in the LHC by %s.",
		place, record, monthYear(monthEnd(start, 18+rng.IntN(12))))
	c.Infrastructure = infrastructure[rng.IntN(len(infrastructure))]
	c.InformationGovernance = fmt.Sprintf("IG Toolkit level 2 on all requirements across all member organisations by March %d.", p.FirstYear+1)
	c.DataQuality = dataQuality[rng.IntN(len(dataQuality))]
	c.NHSNumberAdoption = domain.NHSNumberAdoption{
		CurrentPct: float64(800+rng.IntN(176)) / 10, // 80.0 to 97.5
		TargetPct:  float64(980+5*rng.IntN(4)) / 10, // 98.0 to 99.5
		TargetDate: monthEnd(start, 11+rng.IntN(13)),
	}
	c.CapacityAndFunding = domain.CapacityAndFunding{
		Capital:  int64(50+rng.IntN(800)) * 10_000, // £0.5m to £8.5m
		Revenue:  int64(40+rng.IntN(560)) * 5_000,  // £0.2m to £3m
		Currency: domain.Currency,
	}
	return c
}

// revised is the content of version n after the SHA's findings: two capabilities' interim dates
// move back a quarter (never past their strategic date), data quality governance is strengthened and
// more revenue is found.
func (d *Dataset) revised(rng *rand.Rand, c domain.Content, p domain.Period, n int) domain.Content {
	c.Clinical5 = slices.Clone(c.Clinical5)
	c.NationalProgrammes = slices.Clone(c.NationalProgrammes)
	for _, i := range rng.Perm(len(c.Clinical5))[:2] {
		cp := &c.Clinical5[i]
		if later := monthEnd(cp.InterimDate.Time(), 3); !later.After(cp.StrategicDate) && !later.After(p.End()) {
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
		pfitSouth:  {"Cerner Millennium (Southern configuration)", "Local solution (Additional Supplier Capability and Capacity framework) for"},
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
