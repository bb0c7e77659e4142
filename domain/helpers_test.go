package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test world: two SHAs, three PCTs, three providers, CfH, and one LHC led by Z1A under ZQ6.
// Every code but CfH's is invented (Z...), as are the names, so that no real organisation is put
// under an SHA it never belonged to or given another's name.
const (
	sha       = "ZQ6"
	otherSHA  = "ZQ5"
	leadPCT   = "Z1A"
	otherPCT  = "Z1B" // a PCT in ZQ6 that leads nothing
	farPCT    = "Z1C" // a PCT in ZQ5
	trust     = "ZRJ"
	trust2    = "ZRX"
	nonNHS    = "ZNV01"
	outsider  = "ZRB" // a provider in ZQ6 outside the LHC
	cfhODS    = "X09"
	lhcID     = "north-lhc"
	planID    = "0190f0c4-1111-7000-8000-000000000001"
	round     = "2009-10"
	personCE1 = "ce-z1a-a"
	personCE2 = "ce-z1a-b"
	personRJ1 = "ce-zrj"
	personRXA = "ce-zrx"
)

var (
	period2009 = Period{FirstYear: 2009, LastYear: 2011}
	// t0 is when the world is decided in; Z1A's first chief executive is in office then.
	t0          = ts("2009-07-01T10:00:00Z")
	ce1From     = ts("2008-04-01T00:00:00Z")
	ce2From     = ts("2010-01-01T00:00:00Z") // Z1A's successor chief executive
	rj1From     = ts("2009-01-01T00:00:00Z")
	rxaFrom     = ts("2009-09-01T00:00:00Z") // after t0
	admin       = Actor{PersonID: "admin-1", Name: "Registry Admin", Role: RoleAdmin, Org: cfhODS}
	commissionr = Actor{PersonID: "pc-1", Name: "Pat Commissioner", Role: RolePCTCommissioner, Org: leadPCT}
	provRJ1     = Actor{PersonID: "pr-zrj", Name: "Rita Provider", Role: RoleProvider, Org: trust}
	provRXA     = Actor{PersonID: "pr-zrx", Name: "Rex Provider", Role: RoleProvider, Org: trust2}
	provNNP     = Actor{PersonID: "pr-nnp", Name: "Nia Provider", Role: RoleProvider, Org: nonNHS}
	ceLead      = Actor{PersonID: personCE1, Name: "Ann Chief", Role: RoleChiefExecutive, Org: leadPCT}
	ceLead2     = Actor{PersonID: personCE2, Name: "Ben Chief", Role: RoleChiefExecutive, Org: leadPCT}
	ceRJ1       = Actor{PersonID: personRJ1, Name: "Cat Chief", Role: RoleChiefExecutive, Org: trust}
	ceRXA       = Actor{PersonID: personRXA, Name: "Dan Chief", Role: RoleChiefExecutive, Org: trust2}
	assurer     = Actor{PersonID: "sa-1", Name: "Sam Assurer", Role: RoleSHAAssurer, Org: sha}
	cfhActor    = Actor{PersonID: "cfh-1", Name: "Cy CfH", Role: RoleCfH, Org: cfhODS}
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// sampleContent is the shared example content, valid for 2009..2011 and for the test LHC: the
// content of testdata/plan-content.json, written before schema version 3, with the members that
// version asks for (withV3).
func sampleContent(tb testing.TB) Content {
	return withV3(legacyContent(tb), leadPCT, trust, trust2)
}

// legacyContent is testdata/plan-content.json as it is: content as schema version 2 wrote it.
func legacyContent(tb testing.TB) Content {
	tb.Helper()
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(tb, err)
	var c Content
	require.NoError(tb, json.Unmarshal(raw, &c))
	return c
}

// withV3 gives content c what schema version 3 asks for: each capability's status and its
// solutions' sources and products, indicators for each of orgs, and the money by year for 2009 to
// 2011 with savings and capacity.
func withV3(c Content, orgs ...string) Content {
	c = c.Clone()
	for i := range c.Clinical5 {
		x := &c.Clinical5[i]
		x.Status, x.InterimSource, x.InterimProduct, x.StrategicSource, x.StrategicProduct = ProgrammePlanned, SourceLocal, "iSOFT iPM", SourceNPfIT, "Lorenzo"
	}
	c.PerOrganisation = nil
	for i, o := range orgs {
		c.PerOrganisation = append(c.PerOrganisation, OrganisationIndicators{ODSCode: o, NHSNumberCurrentPct: 90 + float64(i),
			NHSNumberTargetPct: 99, IGToolkitLevelCurrent: 1 + i%2, IGToolkitLevelTarget: 2})
	}
	f := &c.CapacityAndFunding
	f.ByYear = []YearFunding{
		{FinancialYear: 2009, Capital: 2_000_000, Revenue: 450_000, Source: FundingCentral},
		{FinancialYear: 2010, Capital: 1_500_000, Revenue: 450_000, Source: FundingPCTAllocation},
		{FinancialYear: 2011, Capital: f.Capital - 3_500_000, Revenue: f.Revenue - 900_000, Source: FundingProvider},
	}
	f.Savings = []YearSavings{{FinancialYear: 2010, CashReleasing: 250_000, NonCash: 400_000}, {FinancialYear: 2011, CashReleasing: 600_000, NonCash: 500_000}}
	f.Capacity = Capacity{InformaticsWTECurrent: 42.5, InformaticsWTERequired: 51}
	return c
}

// world is a registry and one plan, with the events recorded so far and a clock.
type world struct {
	tb     testing.TB
	reg    *Registry
	plan   *Plan
	now    time.Time
	seq    int
	events []Event
}

func (w *world) meta(a Actor) Metadata {
	w.seq++
	return Metadata{
		EventID: fmt.Sprintf("0190f0c4-0000-7000-8000-%012d", w.seq), CommandID: fmt.Sprintf("cmd-%d", w.seq),
		Actor: a, RecordedAt: w.now, SchemaVersion: 1,
	}
}

// registry decides and applies a registry command, failing the test on refusal.
func (w *world) registry(cmd RegistryCommand) {
	w.tb.Helper()
	d, err := w.reg.Decide(admin, w.now, cmd)
	require.NoError(w.tb, err)
	e := Event{Data: d, Meta: w.meta(admin)}
	require.NoError(w.tb, w.reg.Apply(e))
	w.events = append(w.events, e)
}

// contentHash stands in for the hash of a version's content, which the wire format defines
// (eventcodec.ContentHash) and this package never computes: the rules only compare hashes, so any
// function that tells two contents apart serves here.
func contentHash(c Content) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%#v", c))
	return hex.EncodeToString(sum[:])
}

// event is d as a fold receives it, with the content hash its reader would have set.
func event(d EventData, m Metadata) Event {
	e := Event{Data: d, Meta: m}
	if v, ok := d.(VersionEvent); ok {
		_, c := v.VersionContent()
		e.ContentHash = contentHash(c)
	}
	return e
}

// throughJSON is d written to JSON and read back, as a log gives it to a fold (with strings of
// its own).
func throughJSON(tb testing.TB, d EventData) EventData {
	tb.Helper()
	raw, err := json.Marshal(d)
	require.NoError(tb, err)
	spec, ok := Spec(d.EventType())
	require.True(tb, ok)
	p := spec.New()
	require.NoError(tb, json.Unmarshal(raw, p))
	return spec.Value(p)
}

// hashed is cmd with the content hash its caller computes (see RevisePlan.ContentHash).
func hashed(cmd PlanCommand) PlanCommand {
	switch r := cmd.(type) {
	case RevisePlan:
		if r.ContentHash == "" {
			r.ContentHash = contentHash(r.Content)
		}
		return r
	case *RevisePlan:
		if r != nil && r.ContentHash == "" {
			r.ContentHash = contentHash(r.Content)
		}
	}
	return cmd
}

// contentless is vs with no version's content, as a plan's record keeps them.
func contentless(vs []Version) []Version {
	out := slices.Clone(vs)
	for i := range out {
		out[i].Content = Content{}
	}
	return out
}

// do decides a plan command and, if it is accepted, applies the event.
func (w *world) do(a Actor, cmd PlanCommand) (EventData, error) {
	w.tb.Helper()
	d, err := w.plan.Decide(w.reg, a, w.now, hashed(cmd))
	if err != nil {
		return nil, err
	}
	e := event(d, w.meta(a))
	require.NoError(w.tb, w.plan.Apply(e))
	w.events = append(w.events, e)
	return d, nil
}

// must is do, failing the test on refusal.
func (w *world) must(a Actor, cmd PlanCommand) EventData {
	w.tb.Helper()
	d, err := w.do(a, cmd)
	require.NoError(w.tb, err)
	return d
}

// newWorld builds the registry; the plan is not yet submitted.
func newWorld(tb testing.TB) *world {
	tb.Helper()
	w := &world{tb: tb, reg: NewRegistry(), plan: NewPlan(), now: ts("2009-01-01T00:00:00Z")}
	for _, o := range []RegisterOrganisation{
		{ODSCode: sha, Name: "Northshire SHA", Kind: KindSHA},
		{ODSCode: otherSHA, Name: "Eastshire SHA", Kind: KindSHA},
		{ODSCode: cfhODS, Name: "NHS Connecting for Health", Kind: KindCfH},
		{ODSCode: leadPCT, Name: "Northtown PCT", Kind: KindPCT, SHACode: sha},
		{ODSCode: otherPCT, Name: "Southtown PCT", Kind: KindPCT, SHACode: sha},
		{ODSCode: farPCT, Name: "Fartown PCT", Kind: KindPCT, SHACode: otherSHA},
		{ODSCode: trust, Name: "Northtown Hospitals NHS Trust", Kind: KindProvider, SHACode: sha},
		{ODSCode: trust2, Name: "Northtown Community Services", Kind: KindProvider, SHACode: sha},
		{ODSCode: nonNHS, Name: "Northtown Hospice Ltd", Kind: KindNonNHSProvider, SHACode: sha},
		{ODSCode: outsider, Name: "Elsewhere NHS Trust", Kind: KindProvider, SHACode: sha},
	} {
		w.registry(o)
	}
	w.registry(AppointChiefExecutive{ODSCode: leadPCT, PersonID: personCE1, Name: "Ann Chief", EffectiveFrom: ce1From})
	w.registry(AppointChiefExecutive{ODSCode: leadPCT, PersonID: personCE2, Name: "Ben Chief", EffectiveFrom: ce2From})
	w.registry(AppointChiefExecutive{ODSCode: trust, PersonID: personRJ1, Name: "Cat Chief", EffectiveFrom: rj1From})
	w.registry(AppointChiefExecutive{ODSCode: trust2, PersonID: personRXA, Name: "Dan Chief", EffectiveFrom: rxaFrom})
	w.registry(FormLHC{LHCID: lhcID, Name: "Northtown LHC", LeadPCT: leadPCT, SHACode: sha, Members: []string{trust, trust2, nonNHS}})
	w.registry(publishRound(round))
	w.registry(RegisterPfIT{PfITID: pfitID, Name: "North, Midlands and East Programme for IT"})
	w.registry(AssignSHAToPfIT{SHACode: sha, PfITID: pfitID})
	w.now = t0
	return w
}

// pfitID is the programme for IT the test world's SHA is assigned to.
const pfitID = "nme"

// catalogue is the test round's catalogue of criteria.
var catalogue = []CatalogueCriterion{{ID: "c5-coverage", Title: "Clinical 5 timetabled"}, {ID: "ig", Title: "Information governance"}}

// publishRound is the publication of round r (2009-10 or a later one) with a plausible timetable.
func publishRound(r string) PublishRound {
	y, _ := roundFirstYear(r)
	d := func(yy int, mm time.Month, dd int) Date { return Date{yy, mm, dd} }
	return PublishRound{Round: r, Title: "Informatics Planning " + r, GuidanceRef: "Gateway 11278", PublishedOn: d(y, 1, 1),
		FirstFinancialYear: y, MinYears: MinPlanYears, Criteria: slices.Clone(catalogue), Milestones: []Milestone{
			{ID: MilestonePlanSubmission, Due: d(y, 7, 31)}, {ID: MilestoneSROSignOff, Due: d(y, 9, 30)},
			{ID: MilestoneSHAAssurance, Due: d(y, 11, 30)}, {ID: MilestoneSHAReturn, Due: d(y, 12, 18)},
			{ID: MilestoneCfHAcknowledgement, Due: d(y+1, 1, 29)},
		}}
}

func submitCmd(tb testing.TB) SubmitPlan {
	return SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009, Content: sampleContent(tb)}
}

// The stages of a plan's life that tables start from.

func submitted(tb testing.TB) *world {
	w := newWorld(tb)
	w.must(commissionr, submitCmd(tb))
	return w
}

// contributed: ZRJ has contributed to version 1.
func contributed(tb testing.TB) *world {
	w := submitted(tb)
	w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: "PAS and order comms timetable"})
	return w
}

// signedOff: the lead PCT and ZRJ have signed off version 1; ZRX declined to contribute and the SHA
// excused ZNV01, so every member is accounted for.
func signedOff(tb testing.TB) *world {
	w := contributed(tb)
	w.must(ceLead, w.signOff())
	w.must(ceRJ1, w.signOff())
	w.accountForOthers()
	return w
}

// excuseAll has the SHA excuse every member not yet accounted for on the current version.
func (w *world) excuseAll() {
	w.tb.Helper()
	l, _ := w.reg.LHC(lhcID)
	for _, m := range w.plan.MembersUnaccounted(l) {
		w.must(assurer, ExcuseMember{Version: w.plan.Version(), ODSCode: m, Reason: "Not involved in this version."})
	}
}

// accountForOthers has ZRX decline and the SHA excuse ZNV01 from the current version.
func (w *world) accountForOthers() {
	w.tb.Helper()
	v := w.plan.Version()
	w.must(provRXA, DeclineContribution{Version: v, Reason: "Community services are covered by the PCT's own contribution this year."})
	w.must(assurer, ExcuseMember{Version: v, ODSCode: nonNHS, Reason: "The hospice joined the LHC after the plan was drafted."})
}

func assured(tb testing.TB, outcome Outcome) *world {
	w := signedOff(tb)
	w.must(assurer, assureCmd(w.plan.Version(), outcome))
	return w
}

func acknowledged(tb testing.TB) *world {
	w := assured(tb, OutcomeAssured)
	w.must(cfhActor, AcknowledgeAssurance{Version: 1, Note: "Noted"})
	return w
}

func withdrawn(tb testing.TB) *world {
	w := submitted(tb)
	w.must(commissionr, WithdrawPlan{Reason: "LHC boundaries redrawn"})
	return w
}

func (w *world) signOff() SignOffPlan {
	cur := w.plan.Current()
	return SignOffPlan{Version: cur.Number, Statement: "I confirm this plan has the board's support.", ContentHash: cur.ContentHash}
}

func assureCmd(version int, outcome Outcome) RecordAssurance {
	c := RecordAssurance{
		Version: version, Outcome: outcome, ReflectedInPfITPlan: true, PfIT: pfitID,
		Criteria: []Criterion{{ID: "c5-coverage", Rating: RatingGreen, Note: "All five capabilities timetabled"}, {ID: "ig", Rating: RatingGreen}},
	}
	switch outcome {
	case OutcomeAssuredWithConditions:
		c.Conditions = []Condition{{ID: "ig-l2", Text: "Evidence IG Toolkit level 2 across the LHC", Criterion: "ig", Due: date("2009-12-31")}}
		c.Criteria[1].Rating = RatingAmber
	case OutcomeNotAssured:
		c.Criteria[0].Rating = RatingRed
		c.ReflectedInPfITPlan = false
	}
	return c
}

// revisedContent is the sample content with one change.
func revisedContent(tb testing.TB) Content {
	c := sampleContent(tb)
	c.DataQuality = "Weekly SUS data quality dashboard reviewed by the informatics board."
	return c
}

// assertRefused checks that err is a copy of the sentinel want, of want's kind, with a message.
func assertRefused(t *testing.T, err error, want *Error) *Error {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, want)
	var e *Error
	require.True(t, errors.As(err, &e), "error %v is not a *Error", err)
	assert.Equal(t, want.Kind, e.Kind, "kind of %v", err)
	assert.NotEmpty(t, e.Message)
	assert.NotSame(t, want, e, "a sentinel must be copied, not returned")
	return e
}

// hasField reports whether e names the field path.
func hasField(e *Error, field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// shiftContent is c with every date moved on by years, for a period that many years later.
func shiftContent(c Content, years int) Content {
	shift := func(d Date) Date {
		if d.IsZero() {
			return d
		}
		return Date{d.year + years, d.month, min(d.day, daysIn(d.year+years, d.month))}
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
	f := &c.CapacityAndFunding
	f.ByYear, f.Savings = slices.Clone(f.ByYear), slices.Clone(f.Savings)
	for i := range f.ByYear {
		f.ByYear[i].FinancialYear += years
	}
	for i := range f.Savings {
		f.Savings[i].FinancialYear += years
	}
	return c
}
