package projections_test

import (
	"context"
	"path/filepath"
	"testing"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// benchLog is a store seeded with the demo at scale 4 (about 2,800 events), and its events.
func benchLog(b *testing.B) (eventstore.Store, []eventstore.RecordedEvent) {
	b.Helper()
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := demo.Seed(context.Background(), store, demo.Options{Scale: 4}); err != nil {
		b.Fatal(err)
	}
	events, err := store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	return store, events
}

// BenchmarkReplay rebuilds every projection from the whole log in the bbolt store.
func BenchmarkReplay(b *testing.B) {
	store, events := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		p := projections.New(store, nil)
		if err := p.CatchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReport is the transparency report over every plan, now and as of the log's midpoint.
func BenchmarkReport(b *testing.B) {
	store, events := benchLog(b)
	p := projections.New(store, nil)
	if err := p.CatchUp(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    projections.ReportFilter
	}{{"now", projections.ReportFilter{}}, {"as-of-midpoint", projections.ReportFilter{AsOf: eventstore.Position(len(events) / 2)}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rep := p.Report(c.f); rep.Totals.Plans == 0 {
					b.Fatal("empty report")
				}
			}
		})
	}
}
