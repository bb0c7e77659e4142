package domain

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// sealHashAgrees checks SealHash against ChainHash for d encoded by EncodeEvent, under a
// well-formed and a malformed previous hash.
func sealHashAgrees(t *testing.T, d EventData, metadata []byte) {
	t.Helper()
	typ, data, err := EncodeEvent(d)
	if err != nil {
		return
	}
	for _, prev := range []string{GenesisHash, "ab" + GenesisHash[2:], "not hex"} {
		want, wantErr := ChainHash(prev, typ, data, metadata)
		got, err := SealHash(prev, d, data, metadata)
		if wantErr != nil {
			require.EqualError(t, err, wantErr.Error())
			continue
		}
		require.NoError(t, err)
		require.Equal(t, want, got, "%s %s", typ, data)
	}
}

var sealMeta = []byte(`{"event_id":"0190f0c4-0000-7000-8000-000000000001","command_id":"c","actor":{"person_id":"pc-1","name":"Pat <&>","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","correlation_id":"c","schema_version":1,"prev_hash":"` + GenesisHash + `"}`)

// Every event of the golden file, and the sample plan's submission and revision, hash alike both
// ways.
func TestSealHashIsChainHash(t *testing.T) {
	for _, c := range chainHashGolden(t) {
		if !slices.Contains(EventTypes, c.Type) || c.Data[0] != '{' {
			continue
		}
		d, err := DecodeEvent(c.Type, c.Data)
		require.NoError(t, err)
		sealHashAgrees(t, d, c.Metadata)
	}
	sealHashAgrees(t, PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: sampleContent(t)}, sealMeta)
	sealHashAgrees(t, PlanRevised{Version: 2, Content: sampleContent(t), Reason: "conditions \"met\"\n"}, sealMeta)
	sealHashAgrees(t, &PlanRevised{Version: 3, Reason: "absent lists"}, sealMeta)
	sealHashAgrees(t, PlanSubmitted{PlanID: "a\xffb", Period: Period{FirstYear: -1, LastYear: 1 << 60}}, sealMeta)
}

// FuzzSealHashIsChainHash: for whatever an event holds (decoded from arbitrary data), SealHash gives
// ChainHash's answer, hash or error.
func FuzzSealHashIsChainHash(f *testing.F) {
	for _, c := range []struct{ typ, raw string }{
		{TypePlanSubmitted, `{"plan_id":"<p>&","period":{"first_year":2009,"last_year":2011},"content":{"clinical5":[{"capability":"PAS \u2028","interim_date":"2009-12-31"}],"national_programmes":null}}`},
		{TypePlanRevised, `{"version":2,"content":{"clinical5":[],"capacity_and_funding":{"capital":1e15,"revenue":-9007199254740993}},"reason":"a\u00e9b"}`},
		{TypePlanRevised, "{\"reason\":\"a\xffb\",\"content\":{\"infrastructure\":\"\\ud800\"}}"},
		{TypePlanRevised, `{"content":{"nhs_number_adoption":{"current_pct":0.1,"target_pct":1e-7}},"version":-1}`},
		{TypeSROSignedOff, `{"version":1,"statement":"<script>"}`},
	} {
		f.Add(uint8(slices.Index(EventTypes, c.typ)), []byte(c.raw), []byte(sealMeta))
	}
	f.Fuzz(func(t *testing.T, pick uint8, raw, metadata []byte) {
		d, err := DecodeEvent(EventTypes[int(pick)%len(EventTypes)], raw)
		if err != nil {
			return
		}
		sealHashAgrees(t, d, metadata)
	})
}
