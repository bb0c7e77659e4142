package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// The fixture scenario: three SHAs' worth of registry and seven plans, one ending in each status,
// so that every event type and every transition is in the log. It runs only when a fixture is
// written (-write-fixture); afterwards the log it wrote is the record, and planStatuses is what that
// log must always mean.

const (
	lhcBrent     = "lhc-brent"
	lhcEaling    = "lhc-ealing"
	lhcGateshead = "lhc-gateshead"
	round2009    = "2009-10"
	round2010    = "2010-11"
)

// planStatuses is what each plan of the fixture ended as when it was written, independent of the
// golden file: the scenario below is the reason for each.
var planStatuses = map[string]domain.Status{
	command.PlanID(lhcBrent, round2009, 1):     domain.StatusAcknowledged,
	command.PlanID(lhcBrent, round2010, 1):     domain.StatusAssuredWithConditions,
	command.PlanID(lhcEaling, round2009, 1):    domain.StatusWithdrawn,
	command.PlanID(lhcEaling, round2009, 2):    domain.StatusSubmitted,
	command.PlanID(lhcEaling, round2010, 1):    domain.StatusSignedOff,
	command.PlanID(lhcGateshead, round2009, 1): domain.StatusNotAssured,
	command.PlanID(lhcGateshead, round2010, 1): domain.StatusAssured,
}

func person(id, name string, role domain.Role, org string) domain.Actor {
	return domain.Actor{PersonID: id, Name: name, Role: role, Org: org}
}

var (
	admin      = person("adm-1", "Ada Admin", domain.RoleAdmin, "X09")
	cfh        = person("cfh-1", "Cath CfH", domain.RoleCfH, "X09")
	pctBrent   = person("pc-5k5", "Priya Commissioner", domain.RolePCTCommissioner, "5K5")
	pctEaling  = person("pc-5hx", "Eric Commissioner", domain.RolePCTCommissioner, "5HX")
	pctGates   = person("pc-5kf", "Gail Commissioner", domain.RolePCTCommissioner, "5KF")
	provRJ1    = person("pr-rj1", "Peter Provider", domain.RoleProvider, "RJ1")
	provRR7    = person("pr-rr7", "Rhona Provider", domain.RoleProvider, "RR7")
	provNNP    = person("pr-nnp", "Nadia Provider", domain.RoleProvider, "NTP01")
	ce5K5      = person("ce-5k5", "Carol Chief", domain.RoleChiefExecutive, "5K5")
	ce5HX      = person("ce-5hx", "Edward Chief", domain.RoleChiefExecutive, "5HX")
	ce5KF      = person("ce-5kf", "Grace Chief", domain.RoleChiefExecutive, "5KF")
	ceRJ1      = person("ce-rj1", "Ron Chief", domain.RoleChiefExecutive, "RJ1")
	ceRJ1Next  = person("ce-rj1-b", "Rita Successor", domain.RoleChiefExecutive, "RJ1")
	ceRR7      = person("ce-rr7", "Ross Chief", domain.RoleChiefExecutive, "RR7")
	ceNNP      = person("ce-nnp", "Nina Chief", domain.RoleChiefExecutive, "NTP01")
	assurerQ36 = person("sa-q36", "Sam Assurer", domain.RoleSHAAssurer, "Q36")
	assurerQ30 = person("sa-q30", "Sue Assurer", domain.RoleSHAAssurer, "Q30")
)

// writeScenario records the scenario through h, whose clock it advances by an hour per command.
func writeScenario(ctx context.Context, h *command.Handler, clock *time.Time, content domain.Content) error {
	tick := func() { *clock = clock.Add(time.Hour) }
	reg := func(a domain.Actor, c domain.RegistryCommand) error {
		tick()
		_, err := h.Registry(ctx, command.Request{Actor: a}, c)
		return err
	}
	submit := func(a domain.Actor, lhc, round string) error {
		tick()
		_, err := h.Submit(ctx, command.Request{Actor: a}, domain.SubmitPlan{LHCID: lhc, Round: round,
			Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: content})
		return err
	}
	plan := func(a domain.Actor, lhc, round string, n int, c domain.PlanCommand) error {
		tick()
		_, err := h.Plan(ctx, command.Request{Actor: a}, command.PlanID(lhc, round, n), c)
		return err
	}
	hash, err := eventcodec.ContentHash(content)
	if err != nil {
		return err
	}
	revised := content
	revised.NHSNumberAdoption.TargetPct = 99.9
	revised.DataQuality = content.DataQuality + " Weekly from April 2010, as the SHA asked."
	revisedHash, err := eventcodec.ContentHash(revised)
	if err != nil {
		return err
	}
	signOff := func(v int, h string) domain.SignOffPlan {
		return domain.SignOffPlan{Version: v, Statement: "I confirm this plan as Senior Responsible Owner.", ContentHash: h}
	}
	met := []domain.Criterion{{ID: "clinical5", Met: true, Note: "all five timetabled"}, {ID: "ig", Met: true}}
	unmet := []domain.Criterion{{ID: "clinical5", Met: true}, {ID: "ig", Met: false, Note: "IG Toolkit level 2 not evidenced"}}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	steps := []func() error{
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "X09", Name: "NHS Connecting for Health", Kind: domain.KindCfH})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "Q30", Name: "North East Strategic Health Authority", Kind: domain.KindSHA})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "5K5", Name: "Brent Teaching PCT", Kind: domain.KindPCT, SHACode: "Q36"})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "5HX", Name: "Ealing PCT", Kind: domain.KindPCT, SHACode: "Q36"})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "5KF", Name: "Gateshead PCT", Kind: domain.KindPCT, SHACode: "Q30"})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "RJ1", Name: "Guy's & St Thomas' NHS Foundation Trust", Kind: domain.KindProvider, SHACode: "Q36"})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "RR7", Name: "Gateshead Health NHS Foundation Trust", Kind: domain.KindProvider, SHACode: "Q30"})
		},
		func() error {
			return reg(admin, domain.RegisterOrganisation{ODSCode: "NTP01", Name: "Tyneside Community Care (illustrative)", Kind: domain.KindNonNHSProvider, SHACode: "Q30"})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "5K5", PersonID: ce5K5.PersonID, Name: ce5K5.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "5HX", PersonID: ce5HX.PersonID, Name: ce5HX.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "5KF", PersonID: ce5KF.PersonID, Name: ce5KF.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "RJ1", PersonID: ceRJ1.PersonID, Name: ceRJ1.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "RR7", PersonID: ceRR7.PersonID, Name: ceRR7.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "NTP01", PersonID: ceNNP.PersonID, Name: ceNNP.Name, EffectiveFrom: day(2008, 4, 1)})
		},
		func() error {
			return reg(admin, domain.FormLHC{LHCID: lhcBrent, Name: "Brent LHC", LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1"}})
		},
		func() error {
			return reg(admin, domain.FormLHC{LHCID: lhcEaling, Name: "Ealing LHC", LeadPCT: "5HX", SHACode: "Q36"})
		},
		func() error {
			return reg(admin, domain.FormLHC{LHCID: lhcGateshead, Name: "Gateshead LHC", LeadPCT: "5KF", SHACode: "Q30", Members: []string{"RR7"}})
		},
		func() error {
			return reg(admin, domain.ChangeLHCMembers{LHCID: lhcGateshead, Added: []string{"NTP01"}})
		},

		// Brent 2009-10: the whole way to CfH's acknowledgement.
		func() error { return submit(pctBrent, lhcBrent, round2009) },
		func() error {
			return plan(provRJ1, lhcBrent, round2009, 1, domain.RecordContribution{Section: "clinical5", Summary: "Acute PAS and order comms timetable"})
		},
		func() error { return plan(ce5K5, lhcBrent, round2009, 1, signOff(1, hash)) },
		func() error { return plan(ceRJ1, lhcBrent, round2009, 1, signOff(1, hash)) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2009, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssured, Criteria: met, ReflectedInPfITPlan: true, PfIT: "London PfIT 2009"})
		},
		func() error {
			return plan(cfh, lhcBrent, round2009, 1, domain.AcknowledgeAssurance{Version: 1, Note: "noted"})
		},

		// Brent 2010-11: not assured, a new chief executive at RJ1, revised, assured with conditions.
		func() error { return submit(pctBrent, lhcBrent, round2010) },
		func() error {
			return plan(provRJ1, lhcBrent, round2010, 1, domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade",
				DocumentSHA256: eventcodec.SHA256Hex([]byte("n3 upgrade business case"))})
		},
		func() error { return plan(ce5K5, lhcBrent, round2010, 1, signOff(1, hash)) },
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "RJ1", PersonID: ceRJ1Next.PersonID, Name: ceRJ1Next.Name, EffectiveFrom: clock.Add(30 * time.Minute)})
		},
		func() error { return plan(ceRJ1Next, lhcBrent, round2010, 1, signOff(1, hash)) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeNotAssured, Criteria: unmet, PfIT: "London PfIT 2010"})
		},
		func() error {
			return plan(pctBrent, lhcBrent, round2010, 1, domain.RevisePlan{Content: revised, Reason: "IG evidence and weekly data quality review added"})
		},
		func() error { return plan(ce5K5, lhcBrent, round2010, 1, signOff(2, revisedHash)) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.RecordAssurance{Version: 2, Outcome: domain.OutcomeAssuredWithConditions, Criteria: unmet,
				Conditions: []string{"IG Toolkit level 2 evidenced by March 2011"}, PfIT: "London PfIT 2010"})
		},

		// Ealing: a plan withdrawn and submitted again; a plan signed off and waiting.
		func() error { return submit(pctEaling, lhcEaling, round2009) },
		func() error {
			return plan(pctEaling, lhcEaling, round2009, 1, domain.WithdrawPlan{Reason: "superseded by the joint plan"})
		},
		func() error { return submit(pctEaling, lhcEaling, round2009) },
		func() error { return submit(pctEaling, lhcEaling, round2010) },
		func() error { return plan(ce5HX, lhcEaling, round2010, 1, signOff(1, hash)) },

		// Gateshead: not assured, and assured; a non-NHS provider contributes.
		func() error { return submit(pctGates, lhcGateshead, round2009) },
		func() error {
			return plan(provNNP, lhcGateshead, round2009, 1, domain.RecordContribution{Section: "community_integration", Summary: "Community nursing on SystmOne"})
		},
		func() error { return plan(ce5KF, lhcGateshead, round2009, 1, signOff(1, hash)) },
		func() error { return plan(ceNNP, lhcGateshead, round2009, 1, signOff(1, hash)) },
		func() error {
			return plan(assurerQ30, lhcGateshead, round2009, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeNotAssured, Criteria: unmet, PfIT: "North East PfIT 2009"})
		},
		func() error { return submit(pctGates, lhcGateshead, round2010) },
		func() error { return plan(ce5KF, lhcGateshead, round2010, 1, signOff(1, hash)) },
		func() error {
			return plan(assurerQ30, lhcGateshead, round2010, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssured, Criteria: met, ReflectedInPfITPlan: true, PfIT: "North East PfIT 2010"})
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("scenario step %d: %w", i, err)
		}
	}
	return nil
}

func sampleContent() (domain.Content, error) {
	raw, err := os.ReadFile("testdata/plan-content.json")
	if err != nil {
		return domain.Content{}, err
	}
	var c domain.Content
	return c, json.Unmarshal(raw, &c)
}
