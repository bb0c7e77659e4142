package projections_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// benchLog is a store seeded with the demo at scale 4 (about 2,800 events), and its events.
func benchLog(b *testing.B) (eventstore.Store, []eventstore.RecordedEvent) { return benchLogAt(b, 4) }

// benchLogAt is a store seeded with the demo at the given scale, and its events.
func benchLogAt(b *testing.B, scale int) (eventstore.Store, []eventstore.RecordedEvent) {
	b.Helper()
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := demo.Seed(context.Background(), store, demo.Options{Scale: scale}); err != nil {
		b.Fatal(err)
	}
	events, err := store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	return store, events
}

// BenchmarkReplay rebuilds every projection from the whole log in the bbolt store, at two sizes of
// log: the larger one keeps enough plans live for the collector's cost to show.
func BenchmarkReplay(b *testing.B) {
	for _, scale := range []int{4, 40} {
		b.Run(fmt.Sprintf("scale=%d", scale), func(b *testing.B) {
			store, events := benchLogAt(b, scale)
			b.ReportAllocs()
			var p *projections.Projector
			for b.Loop() {
				p = projections.New(store, nil)
				if err := p.CatchUp(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
			// What the projections keep: the heap still live with the last one, less without it.
			kept := liveHeap()
			runtime.KeepAlive(p)
			p = nil
			b.ReportMetric(float64(kept-liveHeap())/float64(len(events)), "live-B/event")
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkReport is the transparency report over every plan, now (unfiltered and for one round)
// and as of the log's midpoint, at two sizes of log, to show how each grows with the plans.
func BenchmarkReport(b *testing.B) {
	for _, scale := range []int{4, 40} {
		store, events := benchLogAt(b, scale)
		p := projections.New(store, nil)
		if err := p.CatchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
		round := p.Plans(projections.PlanFilter{})[0].Round
		for _, c := range []struct {
			name string
			f    projections.ReportFilter
		}{
			{"now", projections.ReportFilter{}},
			{"now-one-round", projections.ReportFilter{Round: round}},
			{"as-of-midpoint", projections.ReportFilter{AsOf: eventstore.Position(len(events) / 2)}},
		} {
			b.Run(fmt.Sprintf("scale-%d/%s", scale, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if rep := p.Report(c.f); rep.Totals.Plans == 0 {
						b.Fatal("empty report")
					}
				}
				b.ReportMetric(float64(len(p.Plans(projections.PlanFilter{}))), "plans")
			})
			// What GET /v1/reports/transparency answers: the counts and the national indicators.
			b.Run(fmt.Sprintf("scale-%d/%s-with-indicators", scale, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rep, err := p.ReportWithIndicators(context.Background(), c.f)
					if err != nil || rep.Totals.Plans == 0 {
						b.Fatal("empty report", err)
					}
				}
			})
		}
	}
}

// BenchmarkDeliveryAndFundingReports are GET /v1/reports/delivery and /v1/reports/funding over
// every plan, now and as of the log's midpoint, at two sizes of log: unlike the transparency
// report's counts, both walk the live plans at each request, so their cost grows with the plans.
func BenchmarkDeliveryAndFundingReports(b *testing.B) {
	for _, scale := range []int{4, 40} {
		store, events := benchLogAt(b, scale)
		p := projections.New(store, nil)
		if err := p.CatchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
		plans := float64(len(p.Plans(projections.PlanFilter{})))
		for _, c := range []struct {
			name string
			f    projections.ReportFilter
		}{
			{"now", projections.ReportFilter{}},
			{"as-of-midpoint", projections.ReportFilter{AsOf: eventstore.Position(len(events) / 2)}},
		} {
			b.Run(fmt.Sprintf("scale-%d/delivery-%s", scale, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if rep, err := p.DeliveryReport(context.Background(), c.f); err != nil || len(rep.BySHA) == 0 {
						b.Fatal("empty report", err)
					}
				}
				b.ReportMetric(plans, "plans")
			})
			b.Run(fmt.Sprintf("scale-%d/funding-%s", scale, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if rep, err := p.FundingReport(context.Background(), c.f); err != nil || len(rep.BySHA) == 0 {
						b.Fatal("empty report", err)
					}
				}
				b.ReportMetric(plans, "plans")
			})
		}
	}
}

// BenchmarkSnapshot writes the projections' snapshot at demo scale 40 (about 30,000 events, 2,150
// plans) and restores a projector from it, checks against the log and the registry's refold
// included: what a restart does instead of BenchmarkReplay.
func BenchmarkSnapshot(b *testing.B) {
	store, events := benchLogAt(b, 40)
	p := projections.New(store, nil)
	if err := p.CatchUp(context.Background()); err != nil {
		b.Fatal(err)
	}
	var snap bytes.Buffer
	if _, err := p.WriteSnapshot(&snap); err != nil {
		b.Fatal(err)
	}
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.WriteSnapshot(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(snap.Len())/float64(len(events)), "B/event")
	})
	b.Run("restore", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := projections.Restore(context.Background(), store, nil, bytes.NewReader(snap.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(events))/b.Elapsed().Seconds(), "events/s")
	})
}
