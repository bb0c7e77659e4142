package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/gcpace"
	"assurance-ledger/internal/service"
	"assurance-ledger/internal/settle"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// Config says what to measure. Zero fields take the defaults of `ledger bench`.
type Config struct {
	// Dir is where the store is written; it must not hold a ledger. Empty: a fresh temporary
	// directory, removed afterwards.
	Dir string
	// Events is about how many events the log holds when the append phase ends (registry included).
	Events int
	// Plans, when > 0, caps the number of plans recorded (the run ends at whichever comes first).
	Plans int
	// Writers is how many commands are in flight at once, each on its own plan.
	Writers int
	// Seed varies the generated data set.
	Seed int64
	// GetDuration is how long the GET phase offers GetRate requests a second; HTTPDuration how
	// long the POST phase runs.
	GetDuration  time.Duration
	GetRate      int
	HTTPDuration time.Duration
	// HeapBudget paces the collector for the whole run (internal/gcpace), as ledger serve's
	// --heap-budget-mib does; 0: Go's default pacing.
	HeapBudget uint64
	// ServingHeapBudget is the budget once the service under test has caught up, as ledger serve's
	// --serving-heap-budget-mib (0: HeapBudget throughout).
	ServingHeapBudget uint64
	// Progress receives one line per phase; nil discards them.
	Progress io.Writer
	// Log, given the token secret the HTTP phases' server signs with, returns the logger it logs
	// with (one access line per request among others): ledger bench gives serve's, writing to
	// io.Discard, so that what serve spends on logging is measured too. nil: a discarding logger.
	Log func(tokenSecret []byte) *slog.Logger
}

// Defaults of `ledger bench`: a size that runs in about a minute on a 2-core machine. The targets
// of docs/performance.md are stated for --events 1000000.
const (
	DefaultEvents  = 200_000
	DefaultWriters = 64
	DefaultGetRate = 5_000
	// DefaultGetDuration holds several of the collector's cycles at the rate serving brings them
	// (one every 3-5 s at 1M events), so that p99 is that of a server in its steady state rather
	// than of a quiet moment; a 3 s phase held none at all in some runs and two in others.
	DefaultGetDuration = 10 * time.Second
)

// Result is what `ledger bench --json` prints.
type Result struct {
	FsyncPerSec        float64 `json:"fsync_per_sec"`
	AppendEventsPerSec float64 `json:"append_events_per_sec"`
	AppendP50Ms        float64 `json:"append_p50_ms"`
	AppendP99Ms        float64 `json:"append_p99_ms"`
	EventsPerFsync     float64 `json:"events_per_fsync"`
	ReplayEventsPerSec float64 `json:"replay_events_per_sec"`
	// ReplayGCCycles is how many collections ran during the replay. A replay that allocates less
	// than the heap budget (at 1M events, ~1.0 GB against serve's 1 GiB) runs none, and is faster
	// for it: the figure says which kind of replay replay_events_per_sec measured.
	ReplayGCCycles   uint64  `json:"replay_gc_cycles"`
	StartupToReadyMs float64 `json:"startup_to_ready_ms"`
	ReportMs         float64 `json:"report_ms"`
	AsOfReportMs     float64 `json:"as_of_report_ms"`
	HTTPGetP99Ms     float64 `json:"http_get_p99_ms"`
	HTTPGetPerSec    float64 `json:"http_get_per_sec"`   // the GET rate achieved, against GetRate offered
	HTTPGetGCCycles  uint64  `json:"http_get_gc_cycles"` // the server's collections during the GET phase (its load generator is another process)
	// HTTPGetAllocKBPerRequest is what the server process allocated during the GET phase, per
	// request answered: what brings its collections, during which requests wait.
	HTTPGetAllocKBPerRequest float64 `json:"http_get_alloc_kb_per_request"`
	HTTPPostPerSec           float64 `json:"http_post_per_sec"`
	// AuditEventsPerSec is how fast ledger audit mirrors the whole log over loopback and checks
	// every event as it goes (audit.Run without the comparison of answers, into a fresh directory);
	// AuditEvents how many it mirrored.
	AuditEventsPerSec float64 `json:"audit_events_per_sec"`
	AuditEvents       uint64  `json:"audit_events"`
	RSSMB             float64 `json:"rss_mb"`      // VmRSS after replay and ReleaseMapped, as in serve: heap and what is still mapped
	RSSAnonMB         float64 `json:"rss_anon_mb"` // of which anonymous (heap, stacks)
	RSSPeakMB         float64 `json:"rss_peak_mb"` // VmHWM over the whole run, generator included
	GoVersion         string  `json:"go_version"`
	Events            int     `json:"events"`
	Plans             int     `json:"plans"`
	Writers           int     `json:"writers"`
	Cores             int     `json:"cores"`
	HeapBudgetMiB     uint64  `json:"heap_budget_mib"` // the collector's pacing (internal/gcpace); 0: Go's default (GOGC)
}

func (c *Config) defaults() {
	if c.Events <= 0 {
		c.Events = DefaultEvents
	}
	if c.Writers <= 0 {
		c.Writers = DefaultWriters
	}
	if c.HTTPDuration <= 0 {
		c.HTTPDuration = 3 * time.Second
	}
	if c.GetDuration <= 0 {
		c.GetDuration = DefaultGetDuration
	}
	if c.GetRate <= 0 {
		c.GetRate = DefaultGetRate
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Run generates the workload, records it and measures every figure of Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg.defaults()
	res := Result{GoVersion: runtime.Version(), Writers: cfg.Writers, Cores: runtime.NumCPU()}
	stopPacing, paced := gcpace.Start(cfg.HeapBudget)
	defer stopPacing()
	if paced {
		res.HeapBudgetMiB = cfg.HeapBudget >> 20
	}
	dir, cleanup, err := dataDir(cfg.Dir)
	if err != nil {
		return res, err
	}
	defer cleanup()
	path := filepath.Join(dir, "ledger.db")
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...) }

	say("fsync probe in %s", dir)
	if res.FsyncPerSec, err = fsyncRate(dir, time.Second); err != nil {
		return res, err
	}

	say("generating the data set")
	w, err := newWorkload(cfg.Seed, cfg.Events, cfg.Plans)
	if err != nil {
		return res, err
	}
	say("recording the registry (%d events, fsync off: set-up, not measured)", len(w.registry))
	if err := setUpRegistry(ctx, path, w); err != nil {
		return res, err
	}

	store, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return res, err
	}
	// The tree follows the appends, as in serve, and leaves its checkpoint for the restart below.
	tree, err := startTree(ctx, dir, store)
	if err != nil {
		_ = store.Close()
		return res, err
	}
	say("appending with %d writers, the ledger tree following", cfg.Writers)
	before := store.Stats()
	run, err := w.runPlans(ctx, command.NewHandler(store, command.Options{}), cfg.Writers, len(w.registry), cfg.Events, cfg.Plans)
	if err != nil {
		_ = tree.stop(ctx, 0)
		_ = store.Close()
		return res, err
	}
	after := store.Stats()
	head, err := store.Head(ctx)
	if stopErr := tree.stop(ctx, head); err == nil {
		err = stopErr
	}
	if err != nil {
		_ = store.Close()
		return res, err
	}
	if len(run.planIDs) == 0 {
		_ = store.Close()
		return res, fmt.Errorf("bench: no plan was recorded: the registry alone has %d events; ask for more events", len(w.registry))
	}
	res.Plans = run.plans
	res.AppendEventsPerSec = float64(run.events) / run.elapsed.Seconds()
	res.AppendP50Ms, res.AppendP99Ms = quantile(run.latencies, 0.50), quantile(run.latencies, 0.99)
	if commits := after.BatchesCommitted - before.BatchesCommitted; commits > 0 {
		res.EventsPerFsync = float64(after.EventsWritten-before.EventsWritten) / float64(commits)
	}
	if err := store.Close(); err != nil {
		return res, err
	}
	run.latencies = nil
	w = nil
	runtime.GC()

	say("replaying %d plans", res.Plans)
	if store, err = boltstore.Open(path, boltstore.Options{}); err != nil {
		return res, err
	}
	proj := projections.New(store, nil)
	cycles := gcCycles()
	t0 := time.Now()
	if err := proj.CatchUp(ctx); err != nil {
		_ = store.Close()
		return res, err
	}
	replay := time.Since(t0)
	res.ReplayGCCycles = gcCycles() - cycles
	res.Events = proj.Events()
	res.ReplayEventsPerSec = float64(res.Events) / replay.Seconds()
	// As ledger serve does once caught up (settle.AfterCatchUp), the store gives back the file pages
	// the replay mapped (they stay in the page cache), and the replay's garbage is collected and
	// returned to the OS: what is left is what the projections hold.
	if _, err := settle.AfterCatchUp(ctx, store, nil, proj); err != nil {
		_ = store.Close()
		return res, err
	}
	mem := readMemory()
	res.RSSMB, res.RSSAnonMB = mem.rss, mem.anon

	say("reports")
	// The transparency report as GET /v1/reports/transparency answers it: the counts and the
	// national indicators of the live plans' current versions.
	report := func(f projections.ReportFilter) {
		if _, err := proj.ReportWithIndicators(ctx, f); err != nil {
			say("report: %v", err)
		}
	}
	res.ReportMs = median(5, func() { report(projections.ReportFilter{}) })
	mid := proj.Applied() / 2
	res.AsOfReportMs = median(5, func() { report(projections.ReportFilter{AsOf: mid}) })
	// The snapshot serve saves at shutdown, of projections that have applied the whole log: the
	// replay's. (The append phase runs no projector, so that appends are measured as before.)
	snapshot := filepath.Join(dir, projections.SnapshotFile)
	t0 = time.Now()
	snap, err := proj.SaveSnapshot(snapshot)
	if err != nil {
		_ = store.Close()
		return res, err
	}
	say("projections snapshot saved at position %d: %.1f MB in %.0f ms", snap.Position, float64(snap.Bytes)/(1<<20), ms(time.Since(t0)))
	proj = nil
	if err := store.Close(); err != nil {
		return res, err
	}
	runtime.GC()

	say("start-up to ready (restoring the projections from their snapshot, resuming the ledger tree from its checkpoint)")
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return res, err
	}
	var log *slog.Logger
	if cfg.Log != nil {
		log = cfg.Log(secret)
	}
	t0 = time.Now()
	store, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return res, err
	}
	defer store.Close()
	signer, err := ledgertree.LoadSigner(dir)
	if err != nil {
		return res, err
	}
	// Built as ledger serve builds it, but for the per-person rate limit: serve's default (1,000
	// requests a second) would cap the GET phase, whose requests all come from one bench person.
	svc, err := service.Open(ctx, service.Options{Store: store, DataDir: dir, Secret: secret, Signer: signer, Log: log,
		ServingHeapBudget: cfg.ServingHeapBudget})
	if err != nil {
		return res, err
	}
	defer svc.Stop() // before the store closes
	restoredAt, restoredEvents := svc.Projections.Applied(), svc.Projections.Events()
	svc.Start()
	if err := svc.WaitReady(ctx); err != nil {
		return res, err
	}
	res.StartupToReadyMs = ms(time.Since(t0))
	projFrom := "folded the whole log (no snapshot used)"
	if restoredAt > 0 {
		projFrom = fmt.Sprintf("restored from their snapshot at position %d", restoredAt)
	}
	say("ready in %.0f ms; the projections %s and read %d more events; the ledger tree resumed at %d leaves and read %d more",
		res.StartupToReadyMs, projFrom, svc.Projections.Events()-restoredEvents, svc.Tree.Tree().Size()-svc.Tree.Read(), svc.Tree.Read())

	// As serve does once its readers are ready (in the background, within a second or two of
	// ready), here before the measured requests: its ready time above does not count it.
	if _, err := settle.AfterCatchUp(ctx, store, nil, svc.Projections, svc.Tree); err != nil {
		return res, err
	}
	say("HTTP on loopback")
	srv, err := startHTTP(svc.Handler, secret, cfg.Writers)
	if err != nil {
		return res, err
	}
	defer srv.close()
	cycles, allocated := gcCycles(), heapAllocated()
	get, err := srv.inSecondProcess(ctx, loadSpec{Plans: run.planIDs, Rate: cfg.GetRate, Duration: cfg.GetDuration, Conns: cfg.Writers})
	if err != nil {
		return res, err
	}
	res.HTTPGetP99Ms, res.HTTPGetPerSec, res.HTTPGetGCCycles = get.P99Ms, get.PerSec, gcCycles()-cycles
	res.HTTPGetAllocKBPerRequest = float64(heapAllocated()-allocated) / 1024 / float64(max(get.Requests, 1))
	if res.HTTPPostPerSec, err = srv.measurePosts(svc.Projections, run.planIDs, cfg.HTTPDuration, cfg.Writers); err != nil {
		return res, err
	}
	say("ledger audit in a second process: mirroring and checking the whole log over loopback")
	mirrored, err := srv.inSecondProcess(ctx, loadSpec{AuditState: filepath.Join(dir, "audit")})
	if err != nil {
		return res, err
	}
	res.AuditEventsPerSec, res.AuditEvents = mirrored.AuditEventsPerSec, mirrored.AuditEvents
	say("mirrored %d events, %.0f a second", res.AuditEvents, res.AuditEventsPerSec)
	res.RSSPeakMB = readMemory().peak
	return res, nil
}

// setUpRegistry records the registry with fsync off: tens of thousands of one-event commits to one
// stream would otherwise take minutes and measure nothing the plan phase does not.
func setUpRegistry(ctx context.Context, path string, w *workload) error {
	store, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		return err
	}
	h := command.NewHandler(store, command.Options{})
	for i, s := range w.registry {
		if _, err := s.Run(ctx, h); err != nil {
			_ = store.Close()
			return fmt.Errorf("bench: registry step %d (%s): %w", i, s, err)
		}
	}
	return store.Close()
}

func dataDir(dir string) (string, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ledger-bench-*")
		if err != nil {
			return "", nil, err
		}
		return tmp, func() { _ = os.RemoveAll(tmp) }, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "ledger.db")); err == nil {
		return "", nil, errors.New("bench: " + dir + " already holds a ledger; bench writes a fresh one")
	}
	return dir, func() {}, nil
}

// median runs f n times and returns the median duration in milliseconds.
func median(n int, f func()) float64 {
	d := make([]float64, n)
	for i := range d {
		t0 := time.Now()
		f()
		d[i] = ms(time.Since(t0))
	}
	sort.Float64s(d)
	return d[n/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
