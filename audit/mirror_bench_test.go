package audit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"assurance-ledger/audit"
	"assurance-ledger/auth"
	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/gcpace"
	"assurance-ledger/internal/service"
	"assurance-ledger/ledgertree"
)

// BenchmarkMirror times what ledger audit's speed target is about: mirroring a whole log over
// loopback and checking every event, leaf and signed head as it goes (audit.Run without the
// comparison of answers), into a fresh state directory each time. The server is a real service
// over a real store, in this process, so that a CPU profile shows both sides:
//
//	go test ./audit -run '^$' -bench Mirror -benchtime 3x -cpuprofile cpu.prof
//
// The log is the demo's at LEDGER_AUDIT_BENCH_SCALE (default 20, about 14,000 events), or the
// ledger in LEDGER_AUDIT_BENCH_DATA (a data directory, opened read-write: serve it a copy) when set.
// With LEDGER_AUDIT_BENCH_URL and LEDGER_AUDIT_BENCH_TOKEN it audits that server instead, so that a
// profile shows the auditor alone, as ledger bench runs it (a process of its own).
func BenchmarkMirror(b *testing.B) {
	if url := os.Getenv("LEDGER_AUDIT_BENCH_URL"); url != "" {
		benchMirror(b, url, os.Getenv("LEDGER_AUDIT_BENCH_TOKEN"), 0)
		return
	}
	dir := os.Getenv("LEDGER_AUDIT_BENCH_DATA")
	if dir == "" {
		scale := 20
		if s := os.Getenv("LEDGER_AUDIT_BENCH_SCALE"); s != "" {
			var err error
			if scale, err = strconv.Atoi(s); err != nil {
				b.Fatalf("LEDGER_AUDIT_BENCH_SCALE=%q: %v", s, err)
			}
		}
		dir = b.TempDir()
		store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := demo.Seed(context.Background(), store, demo.Options{Scale: scale}); err != nil {
			b.Fatal(err)
		}
		if err := store.Close(); err != nil {
			b.Fatal(err)
		}
	}
	url, token, events := benchServer(b, dir)
	benchMirror(b, url, token, events)
}

// benchMirror audits the server at url b.N times, each into a new state directory, and checks that
// every one mirrored its whole log (events, when not 0) and found nothing.
func benchMirror(b *testing.B, url, token string, events uint64) {
	// ledger audit's default heap budget, as the command runs with.
	stop, _ := gcpace.Start(1 << 30)
	defer stop()
	tmp := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	var mirrored uint64
	var mirrorTime float64
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		state := filepath.Join(tmp, fmt.Sprint(i))
		rep, err := audit.Run(context.Background(), audit.Options{URL: url, Token: token, State: state, NoCompare: true})
		b.StopTimer()
		if rmErr := os.RemoveAll(state); rmErr != nil {
			b.Fatal(rmErr)
		}
		b.StartTimer()
		if err != nil {
			b.Fatal(err)
		}
		if events == 0 {
			events = rep.EventsMirrored
		}
		if !rep.OK() || rep.EventsMirrored != events || events == 0 {
			b.Fatalf("mirrored %d events of %d; findings %+v", rep.EventsMirrored, events, rep.Findings)
		}
		mirrored += rep.EventsMirrored
		mirrorTime += rep.MirrorSeconds
	}
	cpu = cpuTime() - cpu
	// events/s is the whole audit's pace; mirror-events/s ledger bench's audit_events_per_sec, the
	// mirror's alone (the report's), without the checks of sign-offs' authority that follow it.
	b.ReportMetric(float64(mirrored)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(mirrored)/mirrorTime, "mirror-events/s")
	// The process's CPU per event, the whole audit's: the auditor's alone when it audits a server of
	// its own (LEDGER_AUDIT_BENCH_URL), else the server's too.
	if cpu > 0 {
		b.ReportMetric(cpu*1e6/float64(mirrored), "cpu-us/event")
	}
}

// benchServer serves the ledger in dir over loopback, as ledger serve does, and returns its
// address, an auditor's token and how many events its log holds.
func benchServer(b *testing.B, dir string) (url, token string, events uint64) {
	b.Helper()
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ledgertree.LoadSigner(dir)
	if err != nil {
		b.Fatal(err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	svc, err := service.Open(ctx, service.Options{Store: store, DataDir: dir, Secret: secret, Signer: signer})
	if err != nil {
		b.Fatal(err)
	}
	svc.Start()
	wait, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := svc.WaitReady(wait); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler)
	b.Cleanup(func() {
		srv.Close()
		svc.Stop()
		_ = store.Close()
	})
	token, err = auth.Mint(secret, domain.Actor{PersonID: "aud-bench", Name: "Bench Auditor", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	if events, err = store.Head(ctx); err != nil {
		b.Fatal(err)
	}
	return srv.URL, token, events
}
