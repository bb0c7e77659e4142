package demo

import (
	"fmt"
	"time"

	"assurance-ledger/domain"
)

// The planning rounds of the demo and the catalogue every assurance rates. The 2009-10 catalogue
// is drawn from what the Informatics Planning 2009-10 guidance itself asks of a plan: a three-year
// horizon, a Clinical 5 roadmap, community integration, the providers' contribution, reflection in
// the PfIT plan, infrastructure, capacity and funding, the national programmes, information
// governance, data quality, the NHS Number and the SROs' sign-off. Each criterion's wording for a
// green, amber and red rating, and the condition an amber one attaches, are illustrative.
type criterionText struct {
	id, title               string
	green, amber, red, cond string
}

var catalogue = []criterionText{
	{"three_year_horizon", "Three-year planning horizon",
		"The plan covers three financial years with quarterly milestones for the first.",
		"Years two and three are not broken down into milestones.",
		"The plan covers only the current financial year.",
		"Break years two and three of the plan down into quarterly milestones."},
	{"clinical5_roadmap", "Clinical 5 roadmap",
		"Interim and strategic solutions with dates for each Clinical 5 capability.",
		"Clinical 5 strategic dates are not aligned with the programme's deployment schedule.",
		"No interim solution for two of the Clinical 5 capabilities.",
		"Re-phase the Clinical 5 strategic dates with the programme's deployment schedule."},
	{"community_integration", "Integration of community services",
		"Community services' access to the shared record is timetabled with the GP practices'.",
		"Community services' access to the shared record is not timetabled.",
		"Community services are not covered by the plan.",
		"Timetable community services' access to the shared record."},
	{"provider_contribution", "Provider organisations' contribution",
		"Every member organisation contributed, or declined or was excused with reasons.",
		"One member's contribution is a summary without supporting documents.",
		"The providers' systems are not reflected in the plan.",
		"Provide the supporting documents for the providers' contributions."},
	{"pfit_reflection", "Reflected in the PfIT plan",
		"The plan's deployment dates match the PfIT deployment plan.",
		"Two deployment dates differ from the PfIT deployment plan.",
		"The plan is not reflected in the PfIT deployment plan.",
		"Agree the differing deployment dates with the local programme for IT."},
	{"infrastructure", "Technical infrastructure",
		"N3, smartcard and Registration Authority capacity planned for the roll-outs.",
		"Registration Authority capacity for community staff is not costed.",
		"The infrastructure the strategic solutions need is not planned.",
		"Cost the Registration Authority capacity needed for community staff."},
	{"capacity_and_funding", "Capacity and funding",
		"Capital and revenue identified and approved by the boards.",
		"Revenue consequences of the strategic solutions are not funded.",
		"Neither capital nor revenue is identified.",
		"Confirm the revenue funding of the strategic solutions in the PCT's operating plan."},
	{"national_programmes", "National programmes",
		"SCR, EPS Release 2, GP2GP and NHS Choices positions are dated.",
		"EPS Release 2 deployment is not dated within the period.",
		"The national programmes are not addressed.",
		"Date EPS Release 2 deployment with the local programme."},
	{"information_governance", "Information governance",
		"IG Toolkit level 2 committed across the LHC.",
		"IG Toolkit level 2 is not committed by every member organisation.",
		"No information governance plan.",
		"Every member organisation to commit to IG Toolkit level 2 and evidence it."},
	{"data_quality", "Data quality",
		"SUS data quality reviewed monthly by the informatics board.",
		"No data quality lead named in the member organisations.",
		"No data quality plan.",
		"Name a data quality lead in every member organisation."},
	{"nhs_number", "Consistent use of the NHS Number",
		"NHS Number adoption trajectory to at least 98%.",
		"No NHS Number adoption trajectory for community services.",
		"No NHS Number adoption plan.",
		"Add an NHS Number adoption trajectory for community services to the monthly return."},
	{"sro_signoff", "Senior Responsible Owners' sign-off",
		"Chief executives of the lead PCT and every contributor signed off as SROs.", "", "", ""},
}

// ratable is how many criteria of the catalogue an assurance may rate other than green: every
// one but the SROs' sign-off, which the rules require before any assurance.
var ratable = len(catalogue) - 1

// pfitCriterion is the index of the criterion an assurance's reflected_in_pfit_plan follows.
var pfitCriterion = func() int {
	for i, c := range catalogue {
		if c.id == "pfit_reflection" {
			return i
		}
	}
	panic("demo: no pfit_reflection criterion")
}()

// roundSpec is a round's publication: when the guidance came out, when the registry records it,
// and its timetable.
type roundSpec struct {
	round, title, guidance string
	published              domain.Date
	recordedAfter          time.Duration // after the demo's start
	due                    [5]domain.Date
	boardApproval          bool // each sign-off needs the organisation's board's approval first
}

func civil(y int, m time.Month, d int) domain.Date {
	v, err := domain.NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return v
}

// demoRounds are the rounds the demo publishes. The 2009-10 guidance was published with the
// Operating Framework for 2009/10; the registry records it as the ledger opens. The deadlines are
// plausible, not the guidance's own.
var demoRounds = []roundSpec{
	{round: Round2009, title: "Informatics Planning 2009/10", guidance: "Informatics Planning 2009/10 (with The Operating Framework for the NHS in England 2009/10)",
		published: civil(2009, 1, 16),
		due:       [5]domain.Date{civil(2009, 7, 31), civil(2009, 9, 30), civil(2009, 11, 30), civil(2009, 12, 18), civil(2010, 2, 26)}},
	{round: Round2010, title: "Informatics Planning 2010/11", guidance: "Informatics Planning 2010/11 (with The Operating Framework for the NHS in England 2010/11)",
		published: civil(2010, 1, 18), recordedAfter: 292*24*time.Hour + 10*time.Hour, boardApproval: true,
		due: [5]domain.Date{civil(2010, 6, 30), civil(2010, 8, 31), civil(2010, 10, 29), civil(2010, 11, 30), civil(2011, 1, 28)}},
}

// returnExtension is the 2009-10 round's one change of timetable: the SHAs' returns were given
// four more weeks for the plans revised after "not assured" judgements.
var returnExtension = struct {
	due    domain.Date
	reason string
	after  time.Duration
}{civil(2010, 1, 15), "Extended by four weeks so that the SHAs' returns can include the plans revised after the autumn's assurance judgements.",
	253*24*time.Hour + 11*time.Hour}

// PublishRound is the command publishing round (YYYY-YY) with the demo's catalogue and a timetable
// like the demo's own rounds', for a data set's plans in rounds of its own (a benchmark's).
func PublishRound(round string) (domain.PublishRound, error) {
	for _, r := range demoRounds {
		if r.round == round {
			return r.command(), nil
		}
	}
	var y int
	if _, err := fmt.Sscanf(round, "%d-", &y); err != nil {
		return domain.PublishRound{}, fmt.Errorf("demo: %q is not a round", round)
	}
	return roundSpec{round: round, title: fmt.Sprintf("Informatics Planning %d/%02d", y, (y+1)%100), guidance: "Informatics Planning " + round,
		published: civil(y, 1, 15),
		due:       [5]domain.Date{civil(y, 7, 31), civil(y, 9, 30), civil(y, 11, 30), civil(y, 12, 18), civil(y+1, 2, 26)}}.command(), nil
}

func (r roundSpec) command() domain.PublishRound {
	c := domain.PublishRound{Round: r.round, Title: r.title, GuidanceRef: r.guidance, PublishedOn: r.published,
		FirstFinancialYear: r.published.Year(), MinYears: domain.MinPlanYears, BoardApprovalRequired: r.boardApproval}
	for i, id := range domain.Milestones {
		c.Milestones = append(c.Milestones, domain.Milestone{ID: id, Due: r.due[i]})
	}
	for _, k := range catalogue {
		c.Criteria = append(c.Criteria, domain.CatalogueCriterion{ID: k.id, Title: k.title})
	}
	return c
}

// due is the demo round's deadline for milestone, as it stands after any change.
func roundDue(round, milestone string) domain.Date {
	if round == Round2009 && milestone == domain.MilestoneSHAReturn {
		return returnExtension.due
	}
	for _, r := range demoRounds {
		if r.round == round {
			for i, id := range domain.Milestones {
				if id == milestone {
					return r.due[i]
				}
			}
		}
	}
	return domain.Date{}
}

// The programmes for IT: the National Programme for IT's local programmes, each SHA's plans
// reflected in one.
var pfits = []struct{ id, name string }{{"nme", pfitNME}, {"london", pfitLondon}, {"south", pfitSouth}}

func pfitID(name string) string {
	for _, p := range pfits {
		if p.name == name {
			return p.id
		}
	}
	return ""
}

// roundSteps are the registry's steps of the assurance process: the programmes for IT and each
// SHA's assignment as the ledger opens, each round's publication, and the 2009-10 timetable's change.
func (d *Dataset) roundSteps(at time.Time) []Step {
	var steps []Step
	emit := func(t time.Time, cmd domain.RegistryCommand) {
		steps = append(steps, Step{At: t, Actor: d.Admin, Cmd: cmd})
	}
	for _, r := range demoRounds {
		emit(d.Start.Add(r.recordedAfter), r.command())
	}
	for i, p := range pfits {
		emit(at.Add(time.Duration(i)*time.Minute), domain.RegisterPfIT{PfITID: p.id, Name: p.name})
	}
	for i, s := range shaRefs {
		emit(at.Add(time.Duration(len(pfits)+i)*time.Minute), domain.AssignSHAToPfIT{SHACode: s.code, PfITID: pfitID(s.pfit)})
	}
	emit(d.Start.Add(returnExtension.after), domain.ChangeMilestone{Round: Round2009, Milestone: domain.MilestoneSHAReturn, Due: returnExtension.due, Reason: returnExtension.reason})
	return steps
}
