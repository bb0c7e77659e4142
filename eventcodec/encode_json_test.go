package eventcodec

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// Every event of the golden file encodes to the bytes encoding/json gives for the event itself
// (EncodeEvent writes them with the generated writers, for speed).
func TestEncodeEventMatchesEncodingJSON(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range chainHashGolden(t) {
		if !slices.Contains(domain.EventTypes, c.Type) || c.Data[0] != '{' {
			continue
		}
		d, err := DecodeEvent(c.Type, currentShape(t, c))
		require.NoError(t, err, c.Type)
		want, err := json.Marshal(WithLists(d))
		require.NoError(t, err, c.Type)
		_, got, err := EncodeEvent(d)
		require.NoError(t, err, c.Type)
		require.Equal(t, string(want), string(got), c.Type)
		seen[c.Type] = true
	}
	requireEveryTypeInGolden(t, seen)
	// Absent lists are written as [] either way.
	_, got, err := EncodeEvent(domain.PlanRevised{Version: 2, Reason: "r"})
	require.NoError(t, err)
	require.Contains(t, string(got), `"clinical5":[]`)
	require.Contains(t, string(got), `"national_programmes":[]`)
}

// FuzzEncodeEventMatchesEncodingJSON: whatever an event holds (decoded from arbitrary data: odd
// strings, HTML, invalid UTF-8, absent or empty lists), EncodeEvent writes what encoding/json
// writes for it, so the stored bytes and their hashes are as before.
func FuzzEncodeEventMatchesEncodingJSON(f *testing.F) {
	for _, c := range []struct{ typ, raw string }{
		{domain.TypePlanSubmitted, `{"plan_id":"<p>&","content":{"clinical5":[{"capability":"PAS \u2028","interim_date":"2009-12-31"}],"national_programmes":null}}`},
		{domain.TypePlanRevised, `{"version":2,"content":{"clinical5":[],"funding":{"capital":12}},"reason":"a\u00e9b"}`},
		{domain.TypePlanRevised, "{\"reason\":\"a\xffb\",\"content\":{\"infrastructure\":\"\\ud800\"}}"},
		{domain.TypeSROSignedOff, `{"version":1,"statement":"<script>"}`},
		{domain.TypeAssuranceRecorded, `{"criteria":[{"id":"a","met":true,"note":"<n>"}],"conditions":null}`},
		{domain.TypeLocalHealthCommunityFormed, `{"members":null}`},
		{domain.TypeLocalHealthCommunityMembersChanged, `{"added":["a"],"removed":null}`},
	} {
		f.Add(uint8(slices.Index(domain.EventTypes, c.typ)), []byte(c.raw))
	}
	f.Fuzz(func(t *testing.T, pick uint8, raw []byte) {
		eventType := domain.EventTypes[int(pick)%len(domain.EventTypes)]
		d, err := DecodeEvent(eventType, raw)
		if err != nil {
			return
		}
		want, wantErr := json.Marshal(WithLists(d))
		_, got, err := EncodeEvent(d)
		if wantErr != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}

// FuzzEncodeMetadataIsMarshal: EncodeMetadata writes json.Marshal's bytes (or fails where it
// fails) for any metadata: the direct path for plain text, json.Marshal for the rest.
func FuzzEncodeMetadataIsMarshal(f *testing.F) {
	f.Add("0190f0c4-0000-7000-8000-000000000001", "pc-1", "Pat Smith", "pct_commissioner", int64(1246442400000000000), 0, 1, "")
	f.Add("e<1>", "p&1", "Ren\u00e9e \"R\"", "x\xff", int64(-1<<62), 3600, -7, "ab")
	f.Add("", "", "\u2028", "\x00", int64(1<<62), -1, 0, "hash\\")
	f.Fuzz(func(t *testing.T, eventID, person, name, role string, nanos int64, offset, schema int, hash string) {
		loc := time.UTC
		if offset != 0 {
			loc = time.FixedZone("z", offset%100000)
		}
		m := domain.Metadata{EventID: eventID, CommandID: person + eventID, Actor: domain.Actor{PersonID: person, Name: name, Role: domain.Role(role), Org: role},
			RecordedAt: time.Unix(0, nanos).In(loc), CorrelationID: name, SchemaVersion: schema, PrevHash: eventID + hash, Hash: hash}
		want, wantErr := json.Marshal(m)
		got, err := EncodeMetadata(m)
		if wantErr != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}
