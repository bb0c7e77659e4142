package eventcodec

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// The fast reader must take what the ledger writes, or replay silently loses its speed-up.
func TestReadMetadataTakesWhatMarshalWrites(t *testing.T) {
	for _, m := range []domain.Metadata{
		{EventID: "0190f0c4-0000-7000-8000-000000000001", CommandID: "c", CorrelationID: "r", SchemaVersion: SchemaVersion,
			Actor:      domain.Actor{PersonID: "p-5k5-ce1", Name: "Zoë O'Brien <\"Zo\"> & \n", Role: domain.RoleChiefExecutive, Org: "5K5"},
			RecordedAt: time.Date(2009, 7, 1, 10, 0, 0, 123456789, time.UTC), PrevHash: GenesisHash, Hash: GenesisHash},
		{EventID: "e", RecordedAt: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}, // no hash yet: ChainHash's input
	} {
		raw, err := json.Marshal(m)
		require.NoError(t, err)
		var got domain.Metadata
		require.True(t, readMetadata(nil, raw, &got), "%s", raw)
		require.Equal(t, m, got)
	}
	var got domain.Metadata
	require.False(t, readMetadata(nil, []byte(`{"event_id":"e\u00e9"}`), &got), "an incomplete object goes to encoding/json")
	require.False(t, readMetadata(nil, []byte(` {"event_id":"e"}`), &got), "so does white space")
}

// FuzzParseStampIsUnmarshalJSON: where parseStampUTC reads a stamp, time.Time's UnmarshalJSON reads
// the same instant, location and all.
func FuzzParseStampIsUnmarshalJSON(f *testing.F) {
	for _, s := range []string{"2009-07-01T10:00:00Z", "2026-12-03T04:26:23.558287462Z", "2026-12-03T04:26:23.5Z",
		"2012-02-29T23:59:59.999999999Z", "2011-02-29T00:00:00Z", "2009-13-01T00:00:00Z", "2009-07-01T24:00:00Z",
		"2009-07-01T10:60:00Z", "2009-07-01T10:00:60Z", "2009-07-01T10:00:00.Z", "2009-07-01T10:00:00.1234567890Z",
		"2009-07-01T10:00:00+00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2009-07-01t10:00:00z", "2009-07-01T10:00:00,5Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseStampUTC([]byte(s))
		if !ok {
			return
		}
		var want time.Time
		require.NoError(t, want.UnmarshalJSON([]byte(`"`+s+`"`)), "parseStampUTC read %q", s)
		require.True(t, want == got, "%q: %v, want %v", s, got, want)
	})
}

// The stamps the ledger writes take the fast path; the forms it does not write are left to
// UnmarshalJSON.
func TestParseStampReadsTheLedgersStamps(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-12-03T04:26:23.558287462Z", time.Date(2026, 12, 3, 4, 26, 23, 558287462, time.UTC), true},
		{"2009-07-01T10:00:00Z", time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC), true},
		{"2012-02-29T23:59:59.5Z", time.Date(2012, 2, 29, 23, 59, 59, 500000000, time.UTC), true},
		{"2011-02-29T00:00:00Z", time.Time{}, false},
		{"2009-07-01T10:00:00+01:00", time.Time{}, false},
		{"2009-07-01T10:00:00.1234567891Z", time.Time{}, false},
	} {
		got, ok := parseStampUTC([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		require.True(t, tc.want == got, "%s: %v", tc.in, got)
	}
}
