package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/internal/contenttest"
)

// The fixture scenario: three SHAs' worth of registry and seven plans, one ending in each status,
// so that every event type and every transition is in the log. It runs only when a fixture is
// written (-write-fixture); afterwards the log it wrote is the record, and planStatuses is what that
// log must always mean. It has grown with the rules: fixture-v1 was written before rounds were
// published, criteria rated and members accounted for, by the scenario as it then was (in the
// history of this file); fixture-v2 by the one before schema version 3; fixture-v3 by the one
// below, which records every type of its day: content with indicators, funding by year and sources,
// governance bodies, board approvals (required before each sign-off of round 2010-11) and delivery
// reports.

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
	// Each LHC's content gives the indicators of its NHS members.
	members := map[string][]string{lhcBrent: {"5K5", "RJ1"}, lhcEaling: {"5HX"}, lhcGateshead: {"5KF", "RR7"}}
	p2009, p2010 := domain.Period{FirstYear: 2009, LastYear: 2011}, domain.Period{FirstYear: 2010, LastYear: 2012}
	contentOf := func(lhc string, p domain.Period) domain.Content {
		return contenttest.Complete(shifted(content, p.FirstYear-2009), p, members[lhc]...)
	}
	hashOf := func(c domain.Content) string {
		h, err := eventcodec.ContentHash(c)
		if err != nil {
			panic(err) // the scenario's content is the ledger's own
		}
		return h
	}
	submit := func(a domain.Actor, lhc, round string) error {
		tick()
		_, err := h.Submit(ctx, command.Request{Actor: a}, domain.SubmitPlan{LHCID: lhc, Round: round,
			Period: p2009, Content: contentOf(lhc, p2009)})
		return err
	}
	plan := func(a domain.Actor, lhc, round string, n int, c domain.PlanCommand) error {
		tick()
		_, err := h.Plan(ctx, command.Request{Actor: a}, command.PlanID(lhc, round, n), c)
		return err
	}
	hash := func(lhc string) string { return hashOf(contentOf(lhc, p2009)) }
	hash2010 := func(lhc string) string { return hashOf(contentOf(lhc, p2010)) }
	revised := contentOf(lhcBrent, p2010)
	revised.NHSNumberAdoption.TargetPct = 99.9
	revised.DataQuality = content.DataQuality + " Weekly from April 2010, as the SHA asked."
	revisedHash := hashOf(revised)
	signOff := func(v int, h string) domain.SignOffPlan {
		return domain.SignOffPlan{Version: v, Statement: "I confirm this plan as Senior Responsible Owner.", ContentHash: h}
	}
	rated := func(clinical5, ig domain.Rating, note string) []domain.Criterion {
		return []domain.Criterion{{ID: "clinical5", Rating: clinical5, Note: "all five timetabled"}, {ID: "ig", Rating: ig, Note: note}}
	}
	met := rated(domain.RatingGreen, domain.RatingGreen, "")
	unmet := rated(domain.RatingGreen, domain.RatingRed, "IG Toolkit level 2 not evidenced")
	amber := rated(domain.RatingGreen, domain.RatingAmber, "IG Toolkit level 2 not yet evidenced for every member")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	date := func(y int, m time.Month, d int) domain.Date { return domain.DateOf(day(y, m, d)) }
	round := func(r string, y int) domain.PublishRound {
		return domain.PublishRound{Round: r, Title: "Informatics Planning " + r, GuidanceRef: "Informatics Planning " + r, PublishedOn: date(y, 1, 15),
			FirstFinancialYear: y, MinYears: 3, BoardApprovalRequired: y >= 2010, Criteria: []domain.CatalogueCriterion{{ID: "clinical5", Title: "Clinical 5 roadmap"}, {ID: "ig", Title: "Information governance"}},
			Milestones: []domain.Milestone{{ID: domain.MilestonePlanSubmission, Due: date(y, 7, 31)}, {ID: domain.MilestoneSROSignOff, Due: date(y, 9, 30)},
				{ID: domain.MilestoneSHAAssurance, Due: date(y, 11, 30)}, {ID: domain.MilestoneSHAReturn, Due: date(y, 12, 18)},
				{ID: domain.MilestoneCfHAcknowledgement, Due: date(y+1, 2, 26)}}}
	}
	submit2010 := func(a domain.Actor, lhc string) error {
		tick()
		_, err := h.Submit(ctx, command.Request{Actor: a}, domain.SubmitPlan{LHCID: lhc, Round: round2010,
			Period: p2010, Content: contentOf(lhc, p2010)})
		return err
	}
	body := func(id, name, ods, lhc, kind, chair string, from domain.Date) domain.RecordGovernanceBody {
		return domain.RecordGovernanceBody{BodyID: id, Name: name, ODSCode: ods, LHCID: lhc, Kind: kind, ChairPersonID: chair,
			TermsOfReferenceSHA256: eventcodec.SHA256Hex([]byte(id + " terms of reference " + from.String())), EffectiveFrom: from}
	}
	approve := func(a domain.Actor, lhc, round string, version int, bodyID string) error {
		return plan(a, lhc, round, 1, domain.RecordBoardApproval{Version: version, BodyID: bodyID, MeetingDate: domain.DateOf(clock.UTC()),
			MinuteRef: fmt.Sprintf("%s/%d", bodyID, version), DocumentSHA256: eventcodec.SHA256Hex([]byte(fmt.Sprintf("%s %s v%d minutes", lhc, round, version)))})
	}
	report := func(a domain.Actor, item, status string, actual domain.Date, note string) error {
		return plan(a, lhcBrent, round2009, 1, domain.ReportMilestone{Item: item, Status: status, ActualDate: actual, Note: note})
	}
	ret := func(a domain.Actor, c domain.SubmitReturn) error {
		tick()
		for i, p := range c.Plans {
			rec, _, err := h.PlanRecord(ctx, p.PlanID)
			if err != nil {
				return err
			}
			v := rec.Versions[len(rec.Versions)-1]
			c.Plans[i] = domain.ReturnedPlan{PlanID: p.PlanID, Version: v.Number, AssuranceEventID: v.Assurance.EventID, Outcome: v.Assurance.Outcome,
				ReflectedInPfITPlan: v.Assurance.ReflectedInPfITPlan}
		}
		_, err := h.SubmitReturn(ctx, command.Request{Actor: a}, c)
		return err
	}
	ackReturn := func(sha, round string, c domain.AcknowledgeReturn) error {
		tick()
		latest, _, err := h.LatestReturn(ctx, sha, round)
		if err != nil {
			return err
		}
		_, err = h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, sha, latest.EventID, c)
		return err
	}

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
		func() error { return reg(admin, round(round2009, 2009)) },
		func() error { return reg(admin, round(round2010, 2010)) },
		func() error {
			return reg(admin, domain.ChangeMilestone{Round: round2009, Milestone: domain.MilestoneSHAReturn, Due: date(2010, 1, 15), Reason: "four more weeks"})
		},
		func() error {
			return reg(admin, domain.RegisterPfIT{PfITID: "london", Name: "London Programme for IT"})
		},
		func() error {
			return reg(admin, domain.RegisterPfIT{PfITID: "nme", Name: "North, Midlands and East Programme for IT"})
		},
		func() error { return reg(admin, domain.AssignSHAToPfIT{SHACode: "Q36", PfITID: "london"}) },
		func() error { return reg(admin, domain.AssignSHAToPfIT{SHACode: "Q30", PfITID: "nme"}) },
		func() error {
			return reg(admin, body("ib-5k5", "Brent Teaching PCT Informatics Board", "5K5", "", domain.BodyOrganisationBoard, ce5K5.PersonID, date(2009, 1, 1)))
		},
		func() error {
			return reg(admin, body("ib-5k5", "Brent Teaching PCT Informatics Board", "5K5", "", domain.BodyOrganisationBoard, pctBrent.PersonID, date(2009, 5, 1)))
		},
		func() error {
			return reg(admin, body("pb-brent", "Brent LHC Programme Board", "", lhcBrent, domain.BodyLHCBoard, pctBrent.PersonID, date(2009, 1, 1)))
		},
		func() error {
			return reg(admin, body("pb-ealing", "Ealing LHC Programme Board", "", lhcEaling, domain.BodyLHCBoard, pctEaling.PersonID, date(2009, 1, 1)))
		},
		func() error {
			return reg(admin, body("pb-gateshead", "Gateshead LHC Programme Board", "", lhcGateshead, domain.BodyLHCBoard, pctGates.PersonID, date(2009, 1, 1)))
		},

		// Brent 2009-10: the whole way to CfH's acknowledgement.
		func() error { return submit(pctBrent, lhcBrent, round2009) },
		func() error {
			return plan(provRJ1, lhcBrent, round2009, 1, domain.RecordContribution{Section: "clinical5", Summary: "Acute PAS and order comms timetable"})
		},
		func() error { return approve(ce5K5, lhcBrent, round2009, 1, "ib-5k5") },
		func() error { return plan(ce5K5, lhcBrent, round2009, 1, signOff(1, hash(lhcBrent))) },
		func() error { return plan(ceRJ1, lhcBrent, round2009, 1, signOff(1, hash(lhcBrent))) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2009, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssured, Criteria: met, ReflectedInPfITPlan: true, PfIT: "london"})
		},
		func() error {
			return plan(cfh, lhcBrent, round2009, 1, domain.AcknowledgeAssurance{Version: 1, Note: "noted"})
		},

		// Brent 2010-11: not assured, a new chief executive at RJ1, revised, assured with conditions
		// not yet reflected in the PfIT plan, which CfH notes; one condition discharged, one lapsed.
		func() error { return submit2010(pctBrent, lhcBrent) },
		func() error {
			return plan(provRJ1, lhcBrent, round2010, 1, domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade",
				DocumentSHA256: eventcodec.SHA256Hex([]byte("n3 upgrade business case"))})
		},
		func() error { return approve(ce5K5, lhcBrent, round2010, 1, "ib-5k5") },
		func() error { return plan(ce5K5, lhcBrent, round2010, 1, signOff(1, hash2010(lhcBrent))) },
		func() error {
			return reg(admin, domain.AppointChiefExecutive{ODSCode: "RJ1", PersonID: ceRJ1Next.PersonID, Name: ceRJ1Next.Name, EffectiveFrom: clock.Add(30 * time.Minute)})
		},
		func() error { return approve(ceRJ1Next, lhcBrent, round2010, 1, "pb-brent") },
		func() error { return plan(ceRJ1Next, lhcBrent, round2010, 1, signOff(1, hash2010(lhcBrent))) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeNotAssured, Criteria: unmet, PfIT: "london"})
		},
		func() error {
			return plan(cfh, lhcBrent, round2010, 1, domain.NoteAssurance{Version: 1, Note: "Not assured; CfH awaits the revised plan."})
		},
		func() error {
			return plan(pctBrent, lhcBrent, round2010, 1, domain.RevisePlan{Content: revised, Reason: "IG evidence and weekly data quality review added"})
		},
		func() error {
			return plan(provRJ1, lhcBrent, round2010, 1, domain.DeclineContribution{Version: 2, Reason: "Nothing to add to the revision"})
		},
		func() error { return approve(ce5K5, lhcBrent, round2010, 2, "ib-5k5") },
		func() error { return plan(ce5K5, lhcBrent, round2010, 1, signOff(2, revisedHash)) },
		func() error {
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.RecordAssurance{Version: 2, Outcome: domain.OutcomeAssuredWithConditions, Criteria: amber,
				Conditions: []domain.Condition{{ID: "ig-l2", Text: "IG Toolkit level 2 evidenced by every member", Criterion: "ig", Due: date(2009, 12, 31)},
					{ID: "ig-audit", Text: "IG audit reported to the board", Criterion: "ig", Due: date(2009, 12, 31)}}, PfIT: "london"})
		},
		func() error {
			return plan(cfh, lhcBrent, round2010, 1, domain.NoteAssurance{Version: 2, Note: "Assured with conditions, not yet reflected in the PfIT plan."})
		},
		func() error {
			return plan(pctBrent, lhcBrent, round2010, 1, domain.SubmitConditionEvidence{Version: 2, ConditionID: "ig-l2", Summary: "IG Toolkit returns at level 2",
				DocumentSHA256: eventcodec.SHA256Hex([]byte("ig toolkit returns"))})
		},
		func() error {
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.DischargeCondition{Version: 2, ConditionID: "ig-l2", Note: "Level 2 confirmed"})
		},

		// Ealing: a plan withdrawn and submitted again; a plan signed off and waiting.
		func() error { return submit(pctEaling, lhcEaling, round2009) },
		func() error {
			return plan(pctEaling, lhcEaling, round2009, 1, domain.WithdrawPlan{Reason: "superseded by the joint plan"})
		},
		func() error { return submit(pctEaling, lhcEaling, round2009) },
		func() error { return submit2010(pctEaling, lhcEaling) },
		func() error { return approve(ce5HX, lhcEaling, round2010, 1, "pb-ealing") },
		func() error { return plan(ce5HX, lhcEaling, round2010, 1, signOff(1, hash2010(lhcEaling))) },

		// Gateshead: not assured, and assured; a non-NHS provider contributes.
		func() error { return submit(pctGates, lhcGateshead, round2009) },
		func() error {
			return plan(provNNP, lhcGateshead, round2009, 1, domain.RecordContribution{Section: "community_integration", Summary: "Community nursing on SystmOne"})
		},
		func() error { return plan(ce5KF, lhcGateshead, round2009, 1, signOff(1, hash(lhcGateshead))) },
		func() error { return plan(ceNNP, lhcGateshead, round2009, 1, signOff(1, hash(lhcGateshead))) },
		func() error {
			return plan(provRR7, lhcGateshead, round2009, 1, domain.DeclineContribution{Version: 1, Reason: "Covered by the trust's own plan"})
		},
		func() error {
			return plan(assurerQ30, lhcGateshead, round2009, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeNotAssured, Criteria: unmet, PfIT: "nme"})
		},
		func() error { return submit2010(pctGates, lhcGateshead) },
		func() error { return approve(ce5KF, lhcGateshead, round2010, 1, "pb-gateshead") },
		func() error { return plan(ce5KF, lhcGateshead, round2010, 1, signOff(1, hash2010(lhcGateshead))) },
		func() error {
			return plan(assurerQ30, lhcGateshead, round2010, 1, domain.ExcuseMember{Version: 1, ODSCode: "RR7", Reason: "Joined the community trust"})
		},
		func() error {
			return plan(assurerQ30, lhcGateshead, round2010, 1, domain.ExcuseMember{Version: 1, ODSCode: "NTP01", Reason: "Contract ending"})
		},
		func() error {
			return plan(assurerQ30, lhcGateshead, round2010, 1, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssured, Criteria: met, ReflectedInPfITPlan: true, PfIT: "nme"})
		},

		// London's return for 2009-10, queried by CfH; and, once the second Brent condition is
		// past due, the SHA lets it lapse.
		func() error {
			return ret(assurerQ36, domain.SubmitReturn{SHACode: "Q36", Round: round2009,
				Plans:       []domain.ReturnedPlan{{PlanID: command.PlanID(lhcBrent, round2009, 1)}},
				Exceptions:  []domain.ReturnException{{LHCID: lhcEaling, Reason: "Resubmitted after withdrawal; awaiting sign-off"}},
				PfITPlanRef: domain.PfITPlanRef{Title: "London PfIT deployment plan", Version: "3", DocumentSHA256: eventcodec.SHA256Hex([]byte("london pfit plan v3"))}})
		},
		func() error {
			return ackReturn("Q36", round2009, domain.AcknowledgeReturn{Note: "Received", Queries: []string{"When will Ealing's plan be signed off?"}})
		},
		func() error {
			*clock = day(2010, 1, 4).Add(9 * time.Hour)
			return plan(assurerQ36, lhcBrent, round2010, 1, domain.LapseCondition{Version: 2, ConditionID: "ig-audit", Note: "No audit report by the due date"})
		},

		// Brent 2009-10's delivery: PAS reporting live just before its date, then taken out of
		// service; GP2GP live late; e-prescribing under way, reported by the trust.
		func() error {
			return report(pctBrent, "clinical5.pas_reporting.interim", domain.ProgrammeLive, date(2009, 12, 28), "")
		},
		func() error {
			return report(pctBrent, "national_programmes.gp2gp", domain.ProgrammeLive, date(2010, 1, 2), "Live after the practices' migration slipped.")
		},
		func() error {
			return report(provRJ1, "clinical5.e_prescribing.interim", domain.ProgrammeInProgress, date(2009, 11, 16), "Two pilot wards live.")
		},
		func() error {
			return report(pctBrent, "clinical5.pas_reporting.interim", domain.ProgrammeInProgress, domain.Date{}, "Reporting module withdrawn after a data quality incident.")
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

// shifted is c with every date moved on by years, for a plan of a later round.
func shifted(c domain.Content, years int) domain.Content {
	shift := func(d domain.Date) domain.Date {
		if d.IsZero() {
			return d
		}
		v, err := domain.NewDate(d.Year()+years, d.Month(), d.Day())
		if err != nil { // 29 February
			v, _ = domain.NewDate(d.Year()+years, d.Month(), d.Day()-1)
		}
		return v
	}
	c.Clinical5 = slices.Clone(c.Clinical5)
	for i := range c.Clinical5 {
		c.Clinical5[i].InterimDate, c.Clinical5[i].StrategicDate = shift(c.Clinical5[i].InterimDate), shift(c.Clinical5[i].StrategicDate)
	}
	c.NationalProgrammes = slices.Clone(c.NationalProgrammes)
	for i := range c.NationalProgrammes {
		c.NationalProgrammes[i].PlannedDate = shift(c.NationalProgrammes[i].PlannedDate)
	}
	c.NHSNumberAdoption.TargetDate = shift(c.NHSNumberAdoption.TargetDate)
	return c
}
