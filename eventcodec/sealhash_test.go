package eventcodec

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// sealHashAgrees checks SealHash against ChainHash for d and m encoded by EncodeEvent and
// json.Marshal, under a well-formed and a malformed previous hash.
func sealHashAgrees(t *testing.T, d domain.EventData, m domain.Metadata) {
	t.Helper()
	typ, data, err := EncodeEvent(d)
	if err != nil {
		return
	}
	metadata, err := json.Marshal(m)
	if err != nil {
		return
	}
	for _, prev := range []string{GenesisHash, "ab" + GenesisHash[2:], "not hex"} {
		want, wantErr := ChainHash(prev, typ, data, metadata)
		got, err := SealHash(prev, d, data, m, metadata)
		if wantErr != nil {
			require.EqualError(t, err, wantErr.Error())
			continue
		}
		require.NoError(t, err)
		require.Equal(t, want, got, "%s %s", typ, data)
	}
}

var sealMeta = domain.Metadata{EventID: "0190f0c4-0000-7000-8000-000000000001", CommandID: "cmd-1",
	Actor:      domain.Actor{PersonID: "pc-1", Name: "Pat Smith", Role: domain.RolePCTCommissioner, Org: "5K5"},
	RecordedAt: time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC), CorrelationID: "corr-1", SchemaVersion: 1, PrevHash: GenesisHash}

// Every event of the golden file, and the sample plan's submission and revision, hash alike both
// ways.
func TestSealHashIsChainHash(t *testing.T) {
	for _, c := range chainHashGolden(t) {
		if !slices.Contains(domain.EventTypes, c.Type) || c.Data[0] != '{' {
			continue
		}
		d, err := DecodeEvent(c.Type, c.Data)
		require.NoError(t, err)
		var m domain.Metadata
		require.NoError(t, decodeMetadata(c.Metadata, &m))
		sealHashAgrees(t, d, m)
		sealHashAgrees(t, d, sealMeta)
	}
	odd := sealMeta
	odd.Actor.Name = "Pat <&> O'Neil\u2028"
	sealHashAgrees(t, domain.PlanRevised{Version: 2, Reason: "r"}, odd)
	odd.RecordedAt = time.Date(2009, 7, 1, 10, 0, 0, 5, time.FixedZone("BST", 3600))
	sealHashAgrees(t, domain.PlanRevised{Version: 2, Reason: "r"}, odd)
	odd.Hash = "ff"
	sealHashAgrees(t, domain.PlanRevised{Version: 2, Reason: "r"}, odd)
	sealHashAgrees(t, domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: sampleContent(t)}, sealMeta)
	sealHashAgrees(t, domain.PlanRevised{Version: 2, Content: sampleContent(t), Reason: "conditions \"met\"\n"}, sealMeta)
	sealHashAgrees(t, &domain.PlanRevised{Version: 3, Reason: "absent lists"}, sealMeta)
	sealHashAgrees(t, domain.PlanSubmitted{PlanID: "a\xffb", Period: domain.Period{FirstYear: -1, LastYear: 1 << 60}}, sealMeta)
}

// FuzzSealHashIsChainHash: for whatever an event holds (decoded from arbitrary data), SealHash gives
// ChainHash's answer, hash or error.
func FuzzSealHashIsChainHash(f *testing.F) {
	for _, c := range []struct{ typ, raw string }{
		{domain.TypePlanSubmitted, `{"plan_id":"<p>&","period":{"first_year":2009,"last_year":2011},"content":{"clinical5":[{"capability":"PAS \u2028","interim_date":"2009-12-31"}],"national_programmes":null}}`},
		{domain.TypePlanRevised, `{"version":2,"content":{"clinical5":[],"capacity_and_funding":{"capital":1e15,"revenue":-9007199254740993}},"reason":"a\u00e9b"}`},
		{domain.TypePlanRevised, "{\"reason\":\"a\xffb\",\"content\":{\"infrastructure\":\"\\ud800\"}}"},
		{domain.TypePlanRevised, `{"content":{"nhs_number_adoption":{"current_pct":0.1,"target_pct":1e-7}},"version":-1}`},
		{domain.TypeSROSignedOff, `{"version":1,"statement":"<script>"}`},
		{domain.TypeContributionRecorded, `{"version":1,"contributor_ods":"RJ1","section":"s","summary":"\u0000","document_sha256":"ab"}`},
		{domain.TypeContributionRecorded, `{"version":1e3,"summary":"x\ud800y"}`},
		{domain.TypeAssuranceRecorded, `{"criteria":[{"id":"a","met":true,"note":"<n>"}],"conditions":null,"outcome":"assured","reflected_in_pfit_plan":true}`},
		{domain.TypeAssuranceRecorded, `{"criteria":null,"conditions":["c1","c2"]}`},
		{domain.TypeCfHAcknowledged, `{"version":2,"assurance_event_id":"e","note":"\t"}`},
	} {
		f.Add(uint8(slices.Index(domain.EventTypes, c.typ)), []byte(c.raw), "pc-1", "Pat Smith", "pct_commissioner", int64(1246442400000000000), 1, GenesisHash)
	}
	f.Add(uint8(0), []byte(`{}`), "p<1>", "Ren\u00e9e \"R\"", "x\xff", int64(-1), -7, "nothex")
	f.Fuzz(func(t *testing.T, pick uint8, raw []byte, person, name, role string, nanos int64, schema int, prevHash string) {
		d, err := DecodeEvent(domain.EventTypes[int(pick)%len(domain.EventTypes)], raw)
		if err != nil {
			return
		}
		m := sealMeta
		m.Actor = domain.Actor{PersonID: person, Name: name, Role: domain.Role(role), Org: name + person}
		m.RecordedAt = time.Unix(0, nanos).UTC()
		m.SchemaVersion = schema
		m.PrevHash = prevHash
		m.CommandID, m.CorrelationID = role, person
		sealHashAgrees(t, d, m)
	})
}

// What the handler seals takes the direct path (the tests above only show it agrees when taken):
// every event type, and metadata as the handler writes it.
func TestSealHashWritesEventsDirectly(t *testing.T) {
	for _, d := range sampleEvents(t) {
		w := canonWriter{ok: true}
		require.True(t, appendEventCanonical(&w, d) && w.ok, "%T", d)
	}
	_, ok := appendMetadataCanonical(nil, sealMeta)
	require.True(t, ok)
	require.True(t, plainMetadata(sealMeta))
}
