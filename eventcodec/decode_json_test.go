package eventcodec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// decodeWithEncodingJSON is DecodeEvent as it was before it used the v2 engine's v1 semantics
// (github.com/go-json-experiment/json/v1): encoding/json's Unmarshal, the reference.
func decodeWithEncodingJSON(eventType string, data []byte) (domain.EventData, error) {
	spec, ok := domain.Spec(eventType)
	if !ok {
		return nil, fmt.Errorf("unknown event type %q", eventType)
	}
	ptr := spec.New()
	if err := json.Unmarshal(data, ptr); err != nil {
		return nil, err
	}
	return spec.Value(ptr), nil
}

// Every event of the golden file (three of every type, as a demo ledger stored them) decodes to
// what encoding/json gives.
func TestDecodeEventMatchesEncodingJSONOnStoredEvents(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range chainHashGolden(t) {
		if !slices.Contains(domain.EventTypes, c.Type) || c.Data[0] != '{' {
			continue // the file's odd inputs
		}
		data := currentShape(t, c)
		got, err := DecodeEvent(c.Type, data)
		require.NoError(t, err, c.Type)
		want, err := decodeWithEncodingJSON(c.Type, data)
		require.NoError(t, err, c.Type)
		require.Equal(t, want, got, c.Type)
		seen[c.Type] = true
	}
	requireEveryTypeInGolden(t, seen)
}

// FuzzDecodeEventMatchesEncodingJSON: DecodeEvent accepts exactly what encoding/json accepts (for
// data that is a JSON object) and decodes it to the same value, so that swapping the decoder
// cannot change a fold: logs written by any version read as they did.
func FuzzDecodeEventMatchesEncodingJSON(f *testing.F) {
	seed := func(eventType, raw string) {
		f.Add(uint8(slices.Index(domain.EventTypes, eventType)), []byte(raw))
	}
	seed(domain.TypePlanWithdrawn, `{"reason":"r","Reason":"dup","reason":"last"}`)
	seed(domain.TypeSROSignedOff, `{"version":1,"ods_code":"5K5","content_hash":"00","VERSION":2}`)
	seed(domain.TypeSROSignedOff, `{"version":1.5}`)
	seed(domain.TypeSROSignedOff, `{"version":"1"}`)
	seed(domain.TypeChiefExecutiveAppointed, `{"effective_from":"2010-01-01T00:00:00+01:00"}`)
	seed(domain.TypeChiefExecutiveAppointed, `{"effective_from":"2010-01-01T00:00:00.5Z","person_id":"\ud800"}`)
	seed(domain.TypeAssuranceRecorded, `{"criteria":[{"id":"a","met":true}],"conditions":null,"outcome":"assured"}`)
	seed(domain.TypeAssuranceRecorded, `{"criteria":{"id":"a"}}`)
	seed(domain.TypePlanSubmitted, `{"period":{"first_year":2009},"content":{"clinical5":[{"interim_date":"2009-12-31"}]}}`)
	seed(domain.TypePlanSubmitted, `{"content":{"clinical5":[{"interim_date":"2009-02-30"}]}}`)
	seed(domain.TypePlanSubmitted, "{\"lhc_id\":\"a\xffb\",\"unknown\":[1,{\"x\":null}]}")
	seed(domain.TypeLocalHealthCommunityFormed, `{"members":["a",null,"b"]}`)
	for _, d := range eventShapes(f) { // the shape readEventData takes, to mutate
		typ, raw, err := EncodeEvent(d)
		if err != nil {
			f.Fatal(err)
		}
		seed(typ, string(raw))
	}
	f.Fuzz(func(t *testing.T, pick uint8, raw []byte) {
		eventType := domain.EventTypes[int(pick)%len(domain.EventTypes)]
		got, err := DecodeEvent(eventType, raw)
		want, werr := decodeWithEncodingJSON(eventType, raw)
		if err != nil {
			if werr == nil && json.Valid(raw) && len(raw) > 0 && firstNonSpace(raw) == '{' {
				t.Fatalf("DecodeEvent refuses (%v) what encoding/json decodes: %q", err, raw)
			}
			return
		}
		if werr != nil {
			t.Fatalf("DecodeEvent decodes what encoding/json refuses (%v): %q", werr, raw)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\ngot  %#v\nwant %#v", raw, got, want)
		}
	})
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
	}
	return 0
}
