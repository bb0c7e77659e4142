package domain

import (
	"testing"
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
