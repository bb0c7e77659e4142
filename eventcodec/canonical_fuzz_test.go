package eventcodec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// canonicalSeeds are shapes the ledger stores plus the corners of RFC 8785: number formatting,
// escapes, surrogate pairs, UTF-16 key order, duplicates, white space and malformed tokens.
var canonicalSeeds = []string{
	`{}`, `[]`, `null`, ` true `, `"x"`, `-0`, `0.0`, `1E400`, `1e-400`, `[1.0,2e3,-0.0,1e21,1e20,0.000001,1e-7]`,
	`123456789012345678901234567890`, `999999999999999`, `9999999999999999`, `-123456789012345`, `5e-324`,
	`{"b":1,"a":{"d":[true,false,null],"c":"\u00e9"}}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`,
	`{"\ud83d\ude00":1,"\ufb33":2,"\u20ac":3,"a":4}`, `"\ud800"`, `"\udc00\ud800"`, `"\ud83d\u0041"`,
	`"\u0000\u001f\u007f\b\f\n\r\t\/\\\""`, "\"\xff\"", "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"", `"é€😀"`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{"a" 1}`, `[1 2]`, `tr ue`, `[01]`, `[1.]`, `[.5]`, `[+1]`, `[-]`, `[1e]`,
	`{"a":[{"b":[{"c":{}}]}]}`, "{\"k\":1}\n", `{"k":1} x`, "\u00a0{}", `{"x":"\u2028<&>"}`,
	`{"event_id":"0190f0c4-0000-7000-8000-000000000001","actor":{"person_id":"pc-1","name":"Pat","role":"pct_commissioner","org":"5K5"},"schema_version":1,"hash":"ab"}`,
}

// FuzzCanonicalJSONMatchesJCS: on any input, CanonicalJSON and github.com/gowebpki/jcs (the
// implementation every stored hash was first computed with) either both refuse it or both give
// the same bytes. Hashes of existing ledgers stay valid only while this holds.
func FuzzCanonicalJSONMatchesJCS(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, werr := jcs.Transform(raw)
		got, gerr := CanonicalJSON(raw)
		switch {
		case werr != nil && gerr != nil:
		case werr != nil:
			t.Fatalf("jcs refuses %q (%v); CanonicalJSON gives %q", raw, werr, got)
		case gerr != nil:
			t.Fatalf("CanonicalJSON refuses %q (%v); jcs gives %q", raw, gerr, want)
		case !bytes.Equal(got, want):
			t.Fatalf("%q:\njcs       %q\ncanonical %q", raw, want, got)
		}
	})
}

// FuzzChainHashMatchesDecoded: the direct chain hash agrees with the first implementation (decode
// the metadata, drop "hash", marshal, canonicalise) on every event, whether it takes the direct
// path or declines it.
func FuzzChainHashMatchesDecoded(f *testing.F) {
	meta := `{"event_id":"e1","command_id":"c","actor":{"person_id":"p","name":"N","role":"provider","org":"RJ1"},"recorded_at":"2009-07-01T10:00:00Z","schema_version":1,"prev_hash":"` + GenesisHash + `","hash":"ff"}`
	f.Add(domain.TypePlanWithdrawn, []byte(`{"reason":"merged"}`), []byte(meta))
	f.Add("T\u00e9<&>", []byte(`{"b":1,"a":[1.0]}`), []byte(`{"z":1,"a":"x","hash":"ff"}`))
	f.Add("T", []byte(`[]`), []byte(`{"dup":1,"dup":2}`))
	f.Add("T", []byte(`{}`), []byte(`{"k\ud800":1}`))
	f.Add("T", []byte(`{}`), []byte(`{"a":1} trailing`))
	f.Add("T", []byte(`"s"`), []byte(`{"h\u0061sh":"x","n":1.5e300}`))
	f.Add("\xff", []byte(`1`), []byte(`{}`))
	f.Add("T", []byte(`1`), []byte(`null`))
	f.Fuzz(func(t *testing.T, eventType string, data, metadata []byte) {
		prev := make([]byte, sha256.Size)
		want, werr := chainHashDecoded(prev, eventType, data, metadata)
		sum, ok := chainHashDirect(prev, eventType, data, metadata)
		if !ok {
			return // ChainHash answers with chainHashDecoded itself
		}
		if werr != nil {
			t.Fatalf("decoded path refuses (%v) what the direct path hashes: type %q data %q metadata %q", werr, eventType, data, metadata)
		}
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Fatalf("type %q data %q metadata %q: direct %s, decoded %s", eventType, data, metadata, got, want)
		}
	})
}

// FuzzContentCanonicalMatchesMarshal: writing a version's canonical JSON straight from the struct
// gives what canonicalising its encoding/json form gives, for any text, money and percentages, so
// ContentHash is unchanged. Where the direct writer declines, ContentHash takes the JSON route.
func FuzzContentCanonicalMatchesMarshal(f *testing.F) {
	f.Add("PAS upgrade", "Lorenzo \u00e9 <&> \u2028", int64(2500000), int64(-1), 87.5, 98.0, 2009, true)
	f.Add("", "\x00\x1f\"\\", int64(1<<53+1), int64(-1e15), -0.0, 1e21, 0, false)
	f.Add("\xff", "x", int64(999999999999999), int64(-999999999999999), 1e-7, 5e-324, 10000, true)
	f.Fuzz(func(t *testing.T, s1, s2 string, capital, revenue int64, current, target float64, year int, lists bool) {
		d, _ := domain.NewDate(year, 3, 31) // the zero date for a year out of range

		c := domain.Content{CommunityIntegration: s1, Infrastructure: s2, InformationGovernance: s1 + s2, DataQuality: s2,
			NHSNumberAdoption:  domain.NHSNumberAdoption{CurrentPct: current, TargetPct: target, TargetDate: d},
			CapacityAndFunding: domain.CapacityAndFunding{Capital: capital, Revenue: revenue, Currency: s1}}
		if lists {
			c.Clinical5 = []domain.Capability{{Capability: s1, InterimSolution: s2, StrategicSolution: s1, InterimDate: d}, {}}
			c.NationalProgrammes = []domain.NationalProgramme{{Programme: s2, PlannedDate: d, Status: s1}}
		}
		want, werr := Canonical(contentJSON(c))
		w := canonWriter{ok: true}
		canonContent(&w, &c)
		got, ok := w.b, w.ok
		if !ok {
			return
		}
		if werr != nil {
			t.Fatalf("JSON route refuses (%v) what the direct writer writes: %q", werr, got)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("direct %q\njson   %q", got, want)
		}
	})
}

// FuzzDecodeMetadataMatchesJSON: the shape-specific metadata reader, where it accepts, decodes
// exactly what json.Unmarshal does.
func FuzzDecodeMetadataMatchesJSON(f *testing.F) {
	f.Add([]byte(`{"event_id":"0190f0c4-0000-7000-8000-000000000001","command_id":"c","actor":{"person_id":"p-5k5-pc","name":"Zoë O'Brien","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00.123456789Z","correlation_id":"c","schema_version":1,"prev_hash":"` + GenesisHash + `","hash":"ab"}`))
	f.Add([]byte(`{"event_id":"e","command_id":"c","actor":{"person_id":"p","name":"n","role":"r","org":"o"},"recorded_at":"2009-07-01T10:00:00+01:00","correlation_id":"c","schema_version":01,"prev_hash":"h"}`))
	f.Add([]byte(`{"event_id":"e\u00e9","command_id":"c","actor":{"person_id":"p","name":"n","role":"r","org":"o"},"recorded_at":"bad","correlation_id":"c","schema_version":2,"prev_hash":"h"} `))
	var table internTable // kept across inputs, as the decoder's are
	f.Fuzz(func(t *testing.T, raw []byte) {
		// The schema version alone (read with borrowed strings) is decodeMetadata's, or both fail.
		var whole domain.Metadata
		wholeErr := decodeMetadata(raw, &whole)
		version, err := schemaVersionOf(raw)
		if (err != nil) != (wholeErr != nil) || (err == nil && version != whole.SchemaVersion) {
			t.Fatalf("%q: schemaVersionOf %d, %v; decodeMetadata %d, %v", raw, version, err, whole.SchemaVersion, wholeErr)
		}
		// A fold's metadata is the whole metadata without the four it does not use, or both fail.
		var fold domain.Metadata
		foldErr := decodeMetadataForFold(raw, &fold)
		if (foldErr != nil) != (wholeErr != nil) {
			t.Fatalf("%q: decodeMetadataForFold %v; decodeMetadata %v", raw, foldErr, wholeErr)
		}
		if foldErr == nil {
			lean := whole
			lean.CommandID, lean.CorrelationID, lean.PrevHash, lean.Hash = "", "", "", ""
			if !reflect.DeepEqual(fold, lean) {
				t.Fatalf("%q:\nfold  %+v\nwhole %+v", raw, fold, whole)
			}
		}
		var fast domain.Metadata
		if !readMetadata(&table, raw, &fast) {
			return
		}
		var want domain.Metadata
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("json refuses (%v) what readMetadata reads: %q", err, raw)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q:\nfast %+v\njson %+v", raw, fast, want)
		}
	})
}

// appendQuotedByBytes is what appendQuoted was before it copied runs: a UTF-8 check, then the body
// a byte at a time.
func appendQuotedByBytes(dst []byte, s string) ([]byte, bool) {
	if !utf8.ValidString(s) {
		return dst, false
	}
	dst = append(dst, '"')
	dst = appendQuotedBody(dst, s)
	return append(dst, '"'), true
}

// FuzzAppendQuotedIsByBytes: appendQuoted writes what the byte-by-byte form writes, and refuses
// what it refuses, leaving dst as it was, its spare capacity included.
func FuzzAppendQuotedIsByBytes(f *testing.F) {
	for _, s := range []string{"", "plain ascii text of some length", "A&E <b> \"q\" \\ \t\n\x01\x1f\x7f",
		"café naïve – ‘quotes’ 😀", "\xff", "abcdefg\xc3", "\xed\xa0\x80 surrogate", "\xef\xbf\xbd replacement", "12345678\"12345678\\"} {
		f.Add("prefix", s)
	}
	f.Fuzz(func(t *testing.T, prefix, s string) {
		want, wantOK := appendQuotedByBytes([]byte(prefix), s)
		spare := bytes.Repeat([]byte{'#'}, 2*len(s)+8)
		dst := append(append(make([]byte, 0, len(prefix)+len(spare)), prefix...), spare...)[:len(prefix)]
		got, gotOK := appendQuoted(dst, s)
		require.Equal(t, wantOK, gotOK, "%q", s)
		require.Equal(t, string(want), string(got), "%q", s)
		if !gotOK {
			require.Equal(t, string(spare), string(dst[len(prefix):cap(dst)]), "spare capacity written on refusing %q", s)
		}
	})
}
