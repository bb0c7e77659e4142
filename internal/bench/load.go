package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"assurance-ledger/audit"
	"assurance-ledger/internal/gcpace"
)

// The GET phase's requests come from a second process: this executable again, run with
// loadGeneratorEnv and loadGeneratorArg. A load generator inside the server's process shares its collector and
// scheduler, and while the collector marks, Go's idle mark workers give way to goroutines and
// network readiness but not to timers (golang/go#45632): the generator's clock, which says when each
// request is due, then wakes up to 10-20 ms late, and the server is charged with the delay. In one
// 1M-event run, measured request by request (2 December 2026), the generator's dispatch alone had
// a p99 lateness of 13.9 ms. Load generators such as wrk and vegeta run apart from the server for
// the same reason.

// A process is the GET phase's load generator when it was started with loadGeneratorEnv set to "1"
// and loadGeneratorArg as its only argument. Both, so that the variable left in an environment
// changes nothing else, and so that a test binary without the hand-over fails at once on a flag it
// does not know instead of running its tests (and the bench, and another load generator) again.
const (
	loadGeneratorEnv = "LEDGER_BENCH_LOAD_GENERATOR"
	loadGeneratorArg = "-ledger-bench-load-generator"
)

// IsLoadGenerator reports whether this process was started as the GET phase's load generator. A
// program that runs Run (ledger, and the test binaries of packages that call it) must check it
// first thing in main (or TestMain) and then exit with RunLoadGenerator's status.
func IsLoadGenerator() bool {
	return os.Getenv(loadGeneratorEnv) == "1" && len(os.Args) == 2 && os.Args[1] == loadGeneratorArg
}

// loadGeneratorExecutable is the program run as the load generator: this one.
var loadGeneratorExecutable = os.Executable

// loadSpec is what the load generator is told on its standard input.
type loadSpec struct {
	Base     string        `json:"base"`  // the server's base URL
	Token    string        `json:"token"` // bearer token of every request
	Plans    []string      `json:"plans"` // plan ids, requested at random
	Rate     int           `json:"rate"`  // requests offered a second
	Duration time.Duration `json:"duration"`
	Conns    int           `json:"conns"`
	// AuditState, when set, has the second process run ledger audit into that directory instead
	// of offering GETs: an auditor is a process of its own, with a heap of its own, not the
	// server's (whose projections a collection in the server's process would scan each time).
	AuditState string `json:"audit_state,omitempty"`
}

// loadResult is what it answers on its standard output.
type loadResult struct {
	P99Ms    float64 `json:"p99_ms"`
	PerSec   float64 `json:"per_sec"`
	Requests int     `json:"requests"`
	PID      int     `json:"pid"` // the load generator's process
	Error    string  `json:"error,omitempty"`
	// AuditEventsPerSec and AuditEvents are the audit's, when it ran one.
	AuditEventsPerSec float64 `json:"audit_events_per_sec,omitempty"`
	AuditEvents       uint64  `json:"audit_events,omitempty"`
}

// RunLoadGenerator reads a loadSpec from in, offers its GETs and writes a loadResult to out. It
// returns the exit status: 0, or 1 if the requests could not be made or one was answered other
// than 200 (the result's error says which).
func RunLoadGenerator(in io.Reader, out io.Writer) int {
	var spec loadSpec
	res := loadResult{}
	err := json.NewDecoder(in).Decode(&spec)
	switch {
	case err == nil && spec.AuditState != "":
		res, err = runAudit(spec)
	case err == nil:
		res, err = offerGets(spec)
	}
	if err != nil {
		res.Error = err.Error()
	}
	res.PID = os.Getpid()
	if encErr := json.NewEncoder(out).Encode(res); encErr != nil || err != nil {
		return 1
	}
	return 0
}

// runAudit mirrors and checks the whole log of spec.Base into spec.AuditState, as ledger audit does
// with its default heap budget, without comparing answers.
func runAudit(spec loadSpec) (loadResult, error) {
	stop, _ := gcpace.Start(1 << 30)
	defer stop()
	rep, err := audit.Run(context.Background(), audit.Options{URL: spec.Base, Token: spec.Token, State: spec.AuditState, NoCompare: true})
	if err != nil {
		return loadResult{}, err
	}
	if !rep.OK() {
		return loadResult{}, fmt.Errorf("ledger audit found the bench's own ledger at fault: %v", rep.Findings)
	}
	return loadResult{AuditEventsPerSec: rep.MirrorEventsPerSec, AuditEvents: rep.EventsMirrored}, nil
}

// inSecondProcess runs the second process (the GET phase's load generator, or the auditor) against
// s for spec (its Base and Token filled in here) and returns what it measured.
func (s *httpServer) inSecondProcess(ctx context.Context, spec loadSpec) (loadResult, error) {
	if IsLoadGenerator() {
		return loadResult{}, errors.New("bench: this process was started as the GET phase's load generator but ran the bench: " +
			"its main (or TestMain) must hand over to bench.RunLoadGenerator when bench.IsLoadGenerator()")
	}
	tok, err := s.token(benchAuditor)
	if err != nil {
		return loadResult{}, err
	}
	spec.Base, spec.Token = s.base, tok
	in, err := json.Marshal(spec)
	if err != nil {
		return loadResult{}, err
	}
	exe, err := loadGeneratorExecutable()
	if err != nil {
		return loadResult{}, fmt.Errorf("bench: finding this executable to run the load generator: %w", err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, loadGeneratorArg)
	cmd.Env = append(os.Environ(), loadGeneratorEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &out, &stderr
	runErr := cmd.Run()
	var res loadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return loadResult{}, fmt.Errorf("bench: the load generator (%s %s) answered no result (%v; %v): does its main (or "+
			"TestMain) hand over to bench.RunLoadGenerator when bench.IsLoadGenerator()? Its stderr: %s",
			exe, loadGeneratorArg, runErr, err, strings.TrimSpace(stderr.String()))
	}
	if res.Error != "" {
		return loadResult{}, errors.New("bench: load generator: " + res.Error)
	}
	if runErr != nil {
		return loadResult{}, fmt.Errorf("bench: the load generator failed: %w", runErr)
	}
	return res, nil
}

// offerGets issues GET /v1/plans/{id} (plans at random) at spec.Rate a second for spec.Duration,
// from spec.Conns connections. Each request is timed from when it was due, not from when a
// connection was free, so that a server falling behind shows in the percentile instead of silently
// lowering the rate.
func offerGets(spec loadSpec) (loadResult, error) {
	if spec.Rate <= 0 || spec.Duration <= 0 || spec.Conns <= 0 || len(spec.Plans) == 0 {
		return loadResult{}, fmt.Errorf("nothing to offer: rate %d, duration %s, %d connections, %d plans",
			spec.Rate, spec.Duration, spec.Conns, len(spec.Plans))
	}
	c := newClient(spec.Base, spec.Conns)
	defer c.close()
	n := int(float64(spec.Rate) * spec.Duration.Seconds())
	due := make(chan time.Time, n)
	lat := make([][]time.Duration, spec.Conns)
	var failed atomic.Pointer[error] // the first failure; errors of any type
	var wg sync.WaitGroup
	for k := range spec.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := k
			for at := range due {
				i += spec.Conns
				if err := c.do(http.MethodGet, "/v1/plans/"+spec.Plans[(i*7919)%len(spec.Plans)], spec.Token, nil, http.StatusOK); err != nil {
					failed.CompareAndSwap(nil, &err)
					continue
				}
				lat[k] = append(lat[k], time.Since(at))
			}
		}()
	}
	start := time.Now()
	interval := time.Second / time.Duration(spec.Rate)
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	if errp := failed.Load(); errp != nil {
		return loadResult{}, *errp
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return loadResult{P99Ms: quantile(all, 0.99), PerSec: float64(len(all)) / elapsed.Seconds(), Requests: len(all)}, nil
}
