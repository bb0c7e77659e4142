package domain

import (
	"testing"
	"time"

	"github.com/gowebpki/jcs"
)

// lifecycleEvents is a plan's whole life: submission, contributions, sign-offs, assurance,
// acknowledgement, a revision and its sign-off.
func lifecycleEvents(b testing.TB) (*world, []Event) {
	w := newWorld(b)
	start := len(w.events)
	w.must(commissionr, submitCmd(b))
	w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: "PAS timetable"})
	w.must(ceLead, w.signOff())
	w.must(ceRJ1, w.signOff())
	w.must(assurer, assureCmd(1, OutcomeAssuredWithConditions))
	w.must(cfhActor, AcknowledgeAssurance{Version: 1, Note: "Noted"})
	w.must(commissionr, RevisePlan{Content: revisedContent(b), Reason: "conditions met"})
	w.must(ceLead, w.signOff())
	return w, w.events[start:]
}

func BenchmarkDecidePlan(b *testing.B) {
	b.Run("submit", func(b *testing.B) {
		w := newWorld(b)
		cmd := submitCmd(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.plan.Decide(w.reg, commissionr, t0, cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signoff", func(b *testing.B) {
		w := contributed(b)
		cmd := w.signOff()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.plan.Decide(w.reg, ceRJ1, t0, cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFoldPlan(b *testing.B) {
	_, events := lifecycleEvents(b)
	b.ReportAllocs()
	for b.Loop() {
		p := NewPlan()
		for _, e := range events {
			if err := p.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
		if p.Status() != StatusSignedOff {
			b.Fatalf("status %s", p.Status())
		}
	}
}

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
	_, data, err := EncodeEvent(PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: sampleContent(b)})
	if err != nil {
		b.Fatal(err)
	}
	meta := []byte(`{"event_id":"0190f0c4-0000-7000-8000-000000000001","command_id":"c","actor":{"person_id":"pc-1","name":"Pat","role":"pct_commissioner","org":"5K5"},"recorded_at":"2009-07-01T10:00:00Z","correlation_id":"c","schema_version":1,"prev_hash":"` + GenesisHash + `"}`)
	b.SetBytes(int64(len(data) + len(meta)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ChainHash(GenesisHash, TypePlanSubmitted, data, meta); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalJSON compares the ledger's canonicaliser with github.com/gowebpki/jcs on a plan
// submission's data, the largest event the ledger writes.
func BenchmarkCanonicalJSON(b *testing.B) {
	_, data, err := EncodeEvent(PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: sampleContent(b)})
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
	d := PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: sampleContent(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := EncodeEvent(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealHash is BenchmarkChainHash's submission hashed as sealing does, from the event.
func BenchmarkSealHash(b *testing.B) {
	d := PlanSubmitted{PlanID: planID, LHCID: lhcID, Round: round, Version: 1, Period: period2009, Content: sampleContent(b)}
	_, data, err := EncodeEvent(d)
	if err != nil {
		b.Fatal(err)
	}
	m := Metadata{EventID: "0190f0c4-0000-7000-8000-000000000001", CommandID: "c",
		Actor:      Actor{PersonID: "pc-1", Name: "Pat", Role: RolePCTCommissioner, Org: "5K5"},
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
