package command_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
)

// BenchmarkCommandPathParallel measures the whole command path (catch up, decide, seal, durable
// append) with concurrent writers, each on its own plan, as issue 7's append figures will.
func BenchmarkCommandPathParallel(b *testing.B) {
	f := newFixture(b)
	t := b
	const plans = 64
	ids := make([]string, plans)
	for i := range plans {
		lhc := fmt.Sprintf("lhc-b%02d", i)
		f.reg(t, domain.FormLHC{LHCID: lhc, Name: "Bench " + lhc, LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1"}})
		r, err := f.h.Submit(context.Background(), command.Request{Actor: pct}, domain.SubmitPlan{LHCID: lhc, Round: "2009-10",
			Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.PlanID
	}
	store := f.store.(*boltstore.Store)
	before := store.Stats()
	var next atomic.Int64
	b.SetParallelism(plans / 2) // 2 cores x 32 = 64 writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := ids[next.Add(1)-1]
		for pb.Next() {
			if _, err := f.h.Plan(context.Background(), command.Request{Actor: provider}, id,
				domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade at both sites"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	after := store.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.EventsWritten-before.EventsWritten)/float64(after.BatchesCommitted-before.BatchesCommitted), "events/fsync")
}
