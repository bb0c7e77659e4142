package eventcodec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// eventShapes are events as EncodeEvent writes them, with the strings and numbers that take the
// shape reader off its plainest path: escapes, HTML, non-ASCII, control characters, absent dates
// and lists, and numbers json.Marshal writes in exponent form.
func eventShapes(tb testing.TB) []domain.EventData {
	out := sampleEvents(tb)
	odd := sampleContent(tb)
	odd.CommunityIntegration = `Tom's "shared" record <a & b> Zoë` + "\n\t\u2028 \x01"
	odd.Clinical5[0].InterimDate = domain.Date{}
	odd.NationalProgrammes = nil
	odd.NHSNumberAdoption.CurrentPct, odd.NHSNumberAdoption.TargetPct = 1e-7, 1e21
	odd.CapacityAndFunding.Capital, odd.CapacityAndFunding.Revenue = 1<<53-1, -1
	empty := domain.Content{}
	return append(out,
		domain.PlanRevised{Version: 3, Content: odd, Reason: "a\\b \"c\" \xff"},
		domain.PlanRevised{Version: 0, Content: empty},
		domain.ContributionRecorded{Version: 1, ContributorODS: "RTD", Section: "clinical5", Summary: "N3 & RA"},
		domain.AssuranceRecorded{Version: 1, SHACode: "Q30", Outcome: domain.OutcomeNotAssured, Criteria: []domain.Criterion{{ID: "a"}, {ID: "b", Rating: domain.RatingGreen, Note: "ü"}}},
		domain.AssuranceRecorded{Version: math.MaxInt32},
	)
}

// The shape reader must take everything the ledger writes for an event, or replay silently loses
// its speed-up, and must read it as encoding/json does.
func TestReadEventDataTakesWhatEncodeEventWrites(t *testing.T) {
	for _, d := range eventShapes(t) {
		typ, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		got, ok := readEventData(&shapeReader{b: raw}, typ)
		require.True(t, ok, "%s", raw)
		want, err := decodeWithEncodingJSON(typ, raw)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", raw)
	}
}

// Anything but the exact shape goes to the general decoder, which still decodes it.
func TestReadEventDataLeavesOtherShapes(t *testing.T) {
	for _, c := range []struct{ typ, raw string }{
		{domain.TypePlanWithdrawn, `{ "reason":"r"}`},
		{domain.TypePlanWithdrawn, `{"reason":"r"} `},
		{domain.TypePlanWithdrawn, `{"Reason":"r"}`},
		{domain.TypePlanWithdrawn, `{"reason":"r","reason":"s"}`},
		{domain.TypePlanWithdrawn, `{"reason":null}`},
		{domain.TypePlanWithdrawn, `{}`},
		{domain.TypeCfHAcknowledged, `{"version":1.0,"assurance_event_id":"a","note":"n"}`},
		{domain.TypeCfHAcknowledged, `{"version":2147483648,"assurance_event_id":"a","note":"n"}`},
		{domain.TypeCfHAcknowledged, `{"note":"n","version":1,"assurance_event_id":"a"}`},
		{domain.TypeSROSignedOff, `{"version":01,"ods_code":"a","person_id":"p","statement":"s","content_hash":"h"}`},
		{domain.TypeAssuranceRecorded, `{"version":1,"sha_code":"Q","outcome":"assured","criteria":null,"conditions":[],"reflected_in_pfit_plan":true,"pfit":"p"}`},
		{domain.TypeOrganisationRegistered, `{"ods_code":"Q30","name":"n","kind":"sha"}`},
		{domain.TypeChiefExecutiveAppointed, `{"ods_code":"Q30","person_id":"p","name":"n","effective_from":"2009-13-01T00:00:00Z"}`},
	} {
		_, ok := readEventData(&shapeReader{b: []byte(c.raw)}, c.typ)
		require.False(t, ok, c.raw)
		got, err := DecodeEvent(c.typ, []byte(c.raw))
		want, werr := decodeWithEncodingJSON(c.typ, []byte(c.raw))
		require.Equal(t, werr == nil, err == nil, "%s: %v / %v", c.raw, err, werr)
		require.Equal(t, want, got, c.raw)
	}
}

func TestNumberLen(t *testing.T) {
	for in, want := range map[string]int{
		"0": 1, "-0": 2, "12": 2, "1.5": 3, "-1.5e+10": 8, "1E3,": 3, "92.3}": 4,
		"": 0, "-": 0, "01": 0, ".5": 0, "1.": 0, "1e": 0, "1e+": 0, "+1": 0, "x": 0,
	} {
		require.Equal(t, want, numberLen([]byte(in)), "%q", in)
	}
	long := strings.Repeat("9", 400)
	require.Equal(t, len(long), numberLen([]byte(long)))
}

// Values that recur across events are decoded to one string, not one per event: the projections
// keep them, a million times over.
func TestDecodeSharesRecurringStrings(t *testing.T) {
	d := domain.SROSignedOff{Version: 1, ODSCode: "5K5", PersonID: "p-5k5-ce1", Statement: "I sign", ContentHash: sampleHash}
	_ = math.MaxInt32
	typ, raw, err := EncodeEvent(d)
	require.NoError(t, err)
	var table internTable
	first, ok := readEventData(table.readerFor(raw, false), typ)
	require.True(t, ok)
	second, ok := readEventData(table.readerFor(raw, false), typ)
	require.True(t, ok)
	a, b := first.(domain.SROSignedOff), second.(domain.SROSignedOff)
	require.Equal(t, d, b)
	for _, pair := range [][2]string{{a.ODSCode, b.ODSCode}, {a.PersonID, b.PersonID}, {a.ContentHash, b.ContentHash}} {
		require.Same(t, unsafe.StringData(pair[0]), unsafe.StringData(pair[1]), pair[0])
	}
	require.NotSame(t, unsafe.StringData(a.Statement), unsafe.StringData(b.Statement), "text is not looked up")

	m := domain.Metadata{EventID: "e", CommandID: "c-0190f0c4", CorrelationID: "c-0190f0c4",
		Actor: domain.Actor{PersonID: "p-5k5-ce1", Name: "Ann Chief", Role: domain.RoleChiefExecutive, Org: "5K5"}}
	rawMeta, err := json.Marshal(m)
	require.NoError(t, err)
	var got domain.Metadata
	require.True(t, readMetadata(&table, rawMeta, &got))
	require.Equal(t, m, got)
	require.Same(t, unsafe.StringData(got.CommandID), unsafe.StringData(got.CorrelationID), "a command's own correlation id")
}
