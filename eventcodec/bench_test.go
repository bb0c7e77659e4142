package eventcodec

import (
	"testing"
	"time"

	"github.com/gowebpki/jcs"

	"assurance-ledger/domain"
)

func BenchmarkContentHash(b *testing.B) {
	c := sampleContent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ContentHash(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChainHash(b *testing.B) {
	_, data, err := EncodeEvent(domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: sampleContent(b)})
	if err != nil {
		b.Fatal(err)
	}
	meta := []byte(`{"event_id":"0190f0c4-0000-7000-8000-000000000001","command_id":"c","actor":{"person_id":"pc-1","name":"Pat","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","correlation_id":"c","schema_version":1,"prev_hash":"` + GenesisHash + `"}`)
	b.SetBytes(int64(len(data) + len(meta)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ChainHash(GenesisHash, domain.TypePlanSubmitted, data, meta); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalJSON compares the ledger's canonicaliser with github.com/gowebpki/jcs on a plan
// submission's data, the largest event the ledger writes.
func BenchmarkCanonicalJSON(b *testing.B) {
	_, data, err := EncodeEvent(domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: sampleContent(b)})
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []struct {
		name string
		fn   func([]byte) ([]byte, error)
	}{{"ledger", CanonicalJSON}, {"jcs", jcs.Transform}} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.fn(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeEvent is sealing's first step for the largest event, a submission with its content.
func BenchmarkEncodeEvent(b *testing.B) {
	d := domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: sampleContent(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := EncodeEvent(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealHash is BenchmarkChainHash's submission hashed as sealing does, from the event.
func BenchmarkSealHash(b *testing.B) {
	d := domain.PlanSubmitted{PlanID: testPlanID, LHCID: testLHC, Round: testRound, Version: 1, Period: period2009, Content: sampleContent(b)}
	_, data, err := EncodeEvent(d)
	if err != nil {
		b.Fatal(err)
	}
	m := domain.Metadata{EventID: "0190f0c4-0000-7000-8000-000000000001", CommandID: "c",
		Actor:      domain.Actor{PersonID: "pc-1", Name: "Pat", Role: domain.RolePCTCommissioner, Org: "5K5"},
		RecordedAt: time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC), CorrelationID: "c", SchemaVersion: 1, PrevHash: GenesisHash}
	meta, err := EncodeMetadata(m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SealHash(GenesisHash, d, data, m, meta); err != nil {
			b.Fatal(err)
		}
	}
}
