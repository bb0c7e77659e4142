package eventcodec

import (
	"assurance-ledger/domain"
	"bytes"
	"slices"
	"testing"
)

// FuzzDecodeEnvelope: any stored type, data and metadata either decode to an event of that type at a
// schema version this code reads, or give an error; never a panic, and never a change to the bytes
// passed in (they are what the hash chain covers).
func FuzzDecodeEnvelope(f *testing.F) {
	meta := string(metaAt(SchemaVersion))
	seed := func(eventType, data, metadata string) {
		f.Add(uint8(slices.Index(domain.EventTypes, eventType)), []byte(data), []byte(metadata))
	}
	seed(domain.TypePlanWithdrawn, `{"reason":"merged"}`, meta)
	seed(domain.TypeSROSignedOff, `{"version":1,"ods_code":"5K5","content_hash":"00"}`, meta)
	seed(domain.TypeOrganisationRegistered, `{"ods_code":"Q36","kind":"sha"}`, string(metaAt(SchemaVersion+1)))
	seed(domain.TypeCfHAcknowledged, `{"version":1}`, `{"schema_version":0}`)
	seed(domain.TypeAssuranceRecorded, `{"criteria":[{"id":"a","met":true}]}`, `{"schema_version":1e400}`)
	seed(domain.TypePlanSubmitted, `{"period":{"first_year":2009}}`, `{"schema_version":"1","recorded_at":"x"}`)
	seed(domain.TypePlanRevised, `{"version":2}`, `null`)
	f.Fuzz(func(t *testing.T, pick uint8, data, metadata []byte) {
		eventType := domain.EventTypes[int(pick)%len(domain.EventTypes)]
		dataBefore, metaBefore := bytes.Clone(data), bytes.Clone(metadata)
		e, err := DecodeEnvelope(eventType, data, metadata)
		if !bytes.Equal(data, dataBefore) || !bytes.Equal(metadata, metaBefore) {
			t.Fatalf("decoding changed its input")
		}
		if err != nil {
			if e.Data != nil {
				t.Fatalf("error %v with data %#v", err, e.Data)
			}
			return
		}
		if e.Data == nil || e.Data.EventType() != eventType {
			t.Fatalf("decoded %s as %#v", eventType, e.Data)
		}
		if v := e.Meta.SchemaVersion; v < 1 || v > SchemaVersion {
			t.Fatalf("accepted schema_version %d, this code reads 1 to %d", v, SchemaVersion)
		}
		if _, err := DecodeEnvelope(eventType, data, metadata); err != nil {
			t.Fatalf("second decode failed: %v", err)
		}
	})
}
