package boltstore_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// benchEvent is about the size of a ledger event with its envelope.
func benchEvent() eventstore.Event {
	return eventstore.Event{
		ID:       uuid.New(),
		Type:     "FundsPosted",
		Data:     []byte(`{"account":"acct-000042","amount":"1250.00","currency":"EUR","reference":"INV-2025-000123"}`),
		Metadata: []byte(`{"actor":"svc-billing","correlation_id":"6f1c2a9e-5b7d-4c3e-9a8f-1d2e3f4a5b6c","prev_hash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}`),
	}
}

func openBench(b *testing.B) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "ledger.db"), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func reportCommits(b *testing.B, s *boltstore.Store) {
	st := s.Stats()
	b.ReportMetric(float64(st.EventsWritten)/float64(b.N), "events/op")
	b.ReportMetric(st.EventsPerCommit(), "events/fsync")
}

// BenchmarkAppend is one caller appending one event at a time: the latency of a durable append,
// one fsync each.
func BenchmarkAppend(b *testing.B) {
	s := openBench(b)
	ctx := b.Context()
	var rev uint64
	expected := eventstore.NoStream
	for b.Loop() {
		res, err := s.Append(ctx, "bench", expected, benchEvent())
		if err != nil {
			b.Fatal(err)
		}
		rev = res.NextRevision
		expected = eventstore.Exact(rev)
	}
	reportCommits(b, s)
}

// BenchmarkAppendParallel is many callers on distinct streams: the throughput group commit buys.
func BenchmarkAppendParallel(b *testing.B) {
	s := openBench(b)
	ctx := b.Context()
	var next atomic.Int64
	b.SetParallelism(16) // callers per core: enough to queue up behind each fsync
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("bench-%d", next.Add(1))
		for pb.Next() {
			if _, err := s.Append(ctx, stream, eventstore.Any, benchEvent()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportCommits(b, s)
}
