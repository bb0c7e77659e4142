package eventcodec

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// The names the codec tests use. The codes are invented (Z-codes are not issued by the ODS).
const (
	testSHA     = "ZQ1"
	testPCT     = "Z5A"
	testTrust   = "ZR1"
	testPlanID  = "0190f0c4-1111-7000-8000-000000000001"
	testLHC     = "north-lhc"
	testRound   = "2009-10"
	testCE      = "ce-z5a"
	sampleHash  = "2f8a0b0e6b4c63f1c8b6f6c1b0f56a0b7c8d9e0f1a2b3c4d5e6f708192a3b4c5"
	otherDigest = "abababababababababababababababababababababababababababababababab"
)

var (
	t0          = time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC)
	commissionr = domain.Actor{PersonID: "pc-1", Name: "Pat Commissioner", Role: domain.RolePCTCommissioner, Org: testPCT}
	period2009  = domain.Period{FirstYear: 2009, LastYear: 2011}
)

// sampleContent is the shared example content, valid for 2009..2011.
func sampleContent(tb testing.TB) domain.Content {
	tb.Helper()
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(tb, err)
	var c domain.Content
	require.NoError(tb, json.Unmarshal(raw, &c))
	return c
}

// v3Content is sampleContent with every member schema version 3 added to content set.
func v3Content(tb testing.TB) domain.Content {
	c := sampleContent(tb).Clone()
	for i := range c.Clinical5 {
		x := &c.Clinical5[i]
		x.Status, x.InterimSource, x.InterimProduct, x.StrategicSource, x.StrategicProduct = domain.ProgrammeInProgress, domain.SourceASCC, "Ascribe", domain.SourceNPfIT, "Lorenzo"
	}
	c.PerOrganisation = []domain.OrganisationIndicators{
		{ODSCode: testPCT, NHSNumberCurrentPct: 93.5, NHSNumberTargetPct: 99, IGToolkitLevelCurrent: 2, IGToolkitLevelTarget: 3},
		{ODSCode: testTrust, NHSNumberCurrentPct: 88.25, NHSNumberTargetPct: 98.5, IGToolkitLevelCurrent: 1, IGToolkitLevelTarget: 2},
	}
	f := &c.CapacityAndFunding
	f.ByYear = []domain.YearFunding{
		{FinancialYear: 2009, Capital: 2_700_000, Revenue: 450_000, Source: domain.FundingCentral},
		{FinancialYear: 2010, Capital: 1_500_000, Revenue: 900_000, Source: domain.FundingPCTAllocation},
	}
	f.Savings = []domain.YearSavings{{FinancialYear: 2011, CashReleasing: 300_000, NonCash: 125_000}}
	f.Capacity = domain.Capacity{InformaticsWTECurrent: 12.5, InformaticsWTERequired: 16}
	return c
}

// revisedContent is sampleContent with one field changed.
func revisedContent(tb testing.TB) domain.Content {
	c := sampleContent(tb)
	c.Clinical5 = append([]domain.Capability(nil), c.Clinical5...)
	c.Clinical5[0].InterimSolution += " (revised)"
	return c
}

// sampleEvents has one realistic event of every registered type, with every field set.
func sampleEvents(tb testing.TB) []domain.EventData {
	events := []domain.EventData{
		domain.OrganisationRegistered{ODSCode: testPCT, Name: "Northtown PCT", Kind: domain.KindPCT, SHACode: testSHA},
		domain.ChiefExecutiveAppointed{ODSCode: testPCT, PersonID: testCE, Name: "Ann Chief", EffectiveFrom: time.Date(2008, 4, 1, 0, 0, 0, 0, time.UTC)},
		domain.LocalHealthCommunityFormed{LHCID: testLHC, Name: "Northtown LHC", LeadPCT: testPCT, SHACode: testSHA, Members: []string{testTrust, testPCT}},
		domain.LocalHealthCommunityMembersChanged{LHCID: testLHC, Added: []string{"ZR2"}, Removed: []string{"ZR3"}},
		domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: v3Content(tb)},
		domain.PlanRevised{Version: 2, Content: revisedContent(tb), Reason: "feedback"},
		domain.ContributionRecorded{Version: 1, ContributorODS: testTrust, Section: "clinical5", Summary: "s", DocumentSHA256: otherDigest},
		domain.SROSignedOff{Version: 1, ODSCode: testPCT, PersonID: testCE, Statement: "I sign", ContentHash: sampleHash},
		domain.AssuranceRecorded{Version: 1, SHACode: testSHA, Outcome: domain.OutcomeAssuredWithConditions,
			Criteria:   []domain.Criterion{{ID: "c1", Rating: domain.RatingAmber, Note: "n"}},
			Conditions: []domain.Condition{{ID: "ig", Text: "do x", Criterion: "c1", Due: civil(2009, 12, 31)}}, ReflectedInPfITPlan: true, PfIT: "nme"},
		domain.CfHAcknowledged{Version: 1, AssuranceEventID: "0190f0c4-0000-7000-8000-000000000009", Note: "noted"},
		domain.PlanWithdrawn{Reason: "merged"},
		domain.PlanningRoundPublished{Round: testRound, Title: "Informatics Planning 2009/10", GuidanceRef: "Gateway 11278", PublishedOn: civil(2009, 1, 15),
			FirstFinancialYear: 2009, MinYears: 3, Milestones: []domain.Milestone{{ID: domain.MilestonePlanSubmission, Due: civil(2009, 7, 31)}},
			Criteria: []domain.CatalogueCriterion{{ID: "clinical5", Title: "Clinical 5 roadmap"}}, BoardApprovalRequired: true},
		domain.RoundMilestoneChanged{Round: testRound, Milestone: domain.MilestoneSHAReturn, Due: civil(2010, 1, 15), Reason: "extended"},
		domain.PfITRegistered{PfITID: "nme", Name: "North, Midlands and East Programme for IT"},
		domain.SHAAssignedToPfIT{SHACode: testSHA, PfITID: "nme"},
		domain.ContributionDeclined{Version: 1, ODSCode: testTrust, Reason: "nothing to add"},
		domain.MemberExcused{Version: 1, ODSCode: "ZR2", Reason: "joined late"},
		domain.ConditionEvidenceSubmitted{Version: 1, ConditionID: "ig", Summary: "IG Toolkit returns", DocumentSHA256: otherDigest},
		domain.ConditionDischarged{Version: 1, ConditionID: "ig", Note: "accepted"},
		domain.ConditionLapsed{Version: 1, ConditionID: "ig2", Note: "not met"},
		domain.CfHNoted{Version: 1, Note: "to be revised"},
		domain.SHAReturnSubmitted{SHACode: testSHA, Round: testRound, AsOfPosition: 1234,
			Plans:       []domain.ReturnedPlan{{PlanID: testPlanID, Version: 1, AssuranceEventID: "0190f0c4-0000-7000-8000-000000000009", Outcome: domain.OutcomeAssured, ReflectedInPfITPlan: true}},
			Exceptions:  []domain.ReturnException{{LHCID: "south-lhc", Reason: "no plan yet"}},
			PfITPlanRef: domain.PfITPlanRef{Title: "NME deployment plan", Version: "3.2", DocumentSHA256: otherDigest}},
		domain.CfHReturnAcknowledged{ReturnEventID: "0190f0c4-0000-7000-8000-000000000012", Note: "received", Queries: []string{"when?"}},
		domain.GovernanceBodyRecorded{BodyID: "z5a-ib", Name: "Northtown PCT Informatics Board", ODSCode: testPCT, Kind: domain.BodyOrganisationBoard,
			ChairPersonID: testCE, TermsOfReferenceSHA256: otherDigest, EffectiveFrom: civil(2009, 4, 1)},
		domain.MilestoneReported{Item: "clinical5.pas_reporting.interim", Status: domain.ProgrammeLive, ActualDate: civil(2010, 2, 15), Note: "went live six weeks late"},
		domain.BoardApprovalRecorded{Version: 1, ODSCode: testPCT, BodyID: "z5a-ib", MeetingDate: civil(2009, 7, 20), MinuteRef: "IB/09/07/4", DocumentSHA256: otherDigest},
	}
	var types []string
	for _, d := range events {
		types = append(types, d.EventType())
	}
	require.ElementsMatch(tb, domain.EventTypes, types, "sampleEvents has one event of every registered type")
	return events
}

// versionEvents are the sample events that carry a version's content.
func versionEvents(tb testing.TB) []domain.EventData {
	var out []domain.EventData
	for _, d := range sampleEvents(tb) {
		if _, ok := d.(domain.VersionEvent); ok {
			out = append(out, d)
		}
	}
	return out
}

// planEvents are the sample events of a plan's stream.
func planEvents(tb testing.TB) []domain.EventData {
	var out []domain.EventData
	for _, d := range sampleEvents(tb) {
		if s, _ := domain.Spec(d.EventType()); s.Aggregate == domain.AggregatePlan {
			out = append(out, d)
		}
	}
	return out
}

// testMeta is plain metadata for the nth event of a test.
func testMeta(n int) domain.Metadata {
	return domain.Metadata{EventID: fmt.Sprintf("0190f0c4-0000-7000-8000-%012d", n), CommandID: fmt.Sprintf("cmd-%d", n),
		Actor: commissionr, RecordedAt: t0.Add(time.Duration(n) * time.Minute), CorrelationID: fmt.Sprintf("cmd-%d", n),
		SchemaVersion: SchemaVersion, PrevHash: GenesisHash}
}

// stored is an event as a store holds it: its type, data and metadata bytes.
type stored struct {
	typ            string
	data, metadata []byte
}

func store(tb testing.TB, d domain.EventData, m domain.Metadata) stored {
	tb.Helper()
	typ, data, err := EncodeEvent(d)
	require.NoError(tb, err)
	meta, err := EncodeMetadata(m)
	require.NoError(tb, err)
	return stored{typ, data, meta}
}

// lifecycle is a plan's whole life as events that fold: submission, a contribution, two sign-offs,
// assurance, acknowledgement, a revision and its sign-off.
func lifecycle(tb testing.TB) []domain.Event {
	tb.Helper()
	c1, c2 := sampleContent(tb), revisedContent(tb)
	h1, err := ContentHash(c1)
	require.NoError(tb, err)
	h2, err := ContentHash(c2)
	require.NoError(tb, err)
	data := []domain.EventData{
		domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: c1},
		domain.ContributionRecorded{Version: 1, ContributorODS: testTrust, Section: "clinical5", Summary: "PAS timetable"},
		domain.SROSignedOff{Version: 1, ODSCode: testPCT, PersonID: testCE, Statement: "I sign", ContentHash: h1},
		domain.SROSignedOff{Version: 1, ODSCode: testTrust, PersonID: "ce-zr1", Statement: "I sign", ContentHash: h1},
		domain.AssuranceRecorded{Version: 1, SHACode: testSHA, Outcome: domain.OutcomeAssuredWithConditions,
			Criteria:   []domain.Criterion{{ID: "c1", Rating: domain.RatingAmber, Note: "n"}},
			Conditions: []domain.Condition{{ID: "x", Text: "do x", Criterion: "c1", Due: civil(2009, 12, 31)}}, ReflectedInPfITPlan: true, PfIT: "nme"},
		nil, // the acknowledgement, which names the assurance's event id
		domain.PlanRevised{Version: 2, Content: c2, Reason: "conditions met"},
		domain.SROSignedOff{Version: 2, ODSCode: testPCT, PersonID: testCE, Statement: "I sign", ContentHash: h2},
	}
	var events []domain.Event
	for i, d := range data {
		m := testMeta(i + 1)
		if d == nil {
			d = domain.CfHAcknowledged{Version: 1, AssuranceEventID: events[i-1].Meta.EventID, Note: "Noted"}
		}
		e := domain.Event{Data: d, Meta: m}
		if v, ok := d.(domain.VersionEvent); ok {
			_, c := v.VersionContent()
			e.ContentHash, err = ContentHash(c)
			require.NoError(tb, err)
		}
		events = append(events, e)
	}
	return events
}

// fill sets every field below v (which must be settable) to a value that is not the zero value,
// drawn from rnd: lists of one to three elements, text with characters JSON escapes and characters
// beyond ASCII. What fills a field must survive the ledger's JSON, so text is valid UTF-8, numbers
// finite and times in UTC within years 1-9999.
func fill(rnd *rand.Rand, v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[domain.Date]():
		d, err := domain.NewDate(1900+rnd.IntN(300), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28))
		if err != nil {
			panic(err)
		}
		v.Set(reflect.ValueOf(d))
		return
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(rnd.Int64N(1<<33), rnd.Int64N(1e9)).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text(rnd))
	case reflect.Int, reflect.Int32:
		v.SetInt(1 + rnd.Int64N(1<<31-1)) // an int that fits every platform's, as the reader wants
	case reflect.Int64:
		v.SetInt(1 + rnd.Int64N(1<<53))
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		v.SetUint(1 + rnd.Uint64N(1<<40))
	case reflect.Float64:
		v.SetFloat(float64(1+rnd.IntN(1e6)) / 8)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rnd, v.Field(i))
			}
		}
	case reflect.Slice:
		n := 1 + rnd.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rnd, s.Index(i))
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(rnd, p.Elem())
		v.Set(p)
	default:
		panic(fmt.Sprintf("fill: %s is not handled", v.Type()))
	}
}

// text is a non-empty string mixing plain ASCII with what JSON and HTML escape and with characters
// beyond ASCII.
func text(rnd *rand.Rand) string {
	pieces := []string{"a", "Z9", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\u0001", "é", "—", "\u2028", "😀", "/"}
	var b strings.Builder
	for range 1 + rnd.IntN(12) {
		b.WriteString(pieces[rnd.IntN(len(pieces))])
	}
	return b.String()
}

// filled is a value of the registered type s with every field set.
func filled(rnd *rand.Rand, s domain.EventSpec) domain.EventData {
	p := reflect.New(reflect.TypeOf(s.Zero()))
	fill(rnd, p.Elem())
	return p.Elem().Interface().(domain.EventData)
}

// everyFieldSet fails the test naming the first field below v that is the zero value.
func everyFieldSet(tb testing.TB, v reflect.Value, path string) {
	tb.Helper()
	if v.IsZero() {
		tb.Fatalf("%s is not set", path)
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() || v.Type() == reflect.TypeFor[domain.Date]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				everyFieldSet(tb, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			everyFieldSet(tb, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Pointer:
		everyFieldSet(tb, v.Elem(), path)
	}
}

// civil is the date y-m-d, which must exist.
func civil(y int, m time.Month, d int) domain.Date {
	v, err := domain.NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return v
}
