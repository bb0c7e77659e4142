package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

var (
	crashCycles = flag.Int("crash.cycles", thorough.Size(8, 20), "SIGKILL/restart cycles of TestCrashSafety (20 with LEDGER_TEST_THOROUGH=1)")
	crashSeed   = flag.Uint64("crash.seed", 0, "seed of TestCrashSafety's kill moments (0: a fresh one, logged)")
)

// crashClients is the number of concurrent clients issuing commands while the server is killed.
const crashClients = 32

// TestCrashSafety runs `ledger serve` on a store, has 32 clients send commands with
// Idempotency-Keys, and kills the server with SIGKILL at random moments, restarting it on the same
// data directory each time. A client whose request got no answer sends it again, with the same key,
// until it gets one. It checks that:
//   - after every kill the store file verifies (`ledger verify`) and the server starts again;
//   - every command that got a 201 has its event, at the position, revision and hash it was told;
//   - no command has two events and no event lacks a command that was sent (no partial or duplicate
//     event), so the log holds exactly the acknowledged commands;
//   - a retry with the key of an acknowledged command returns the original result, marked replayed;
//   - the chains and the Merkle tree verify, the server's tree head matches `ledger verify`, and the
//     projections the server kept while it ran equal a fresh replay of the log.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills and restarts a server many times")
	}
	seed := *crashSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -crash.seed=%d), %d cycles", seed, seed, *crashCycles)
	rng := rand.New(rand.NewPCG(seed, seed))
	started := time.Now()

	dir := t.TempDir()
	secret := make([]byte, 32)
	_, _ = crand.Read(secret)
	secretHex := hex.EncodeToString(secret)
	env := []string{auth.SecretEnv + "=" + secretHex}
	w := newCrashWorld(t, []byte(secretHex))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	srv := startServe(t, dir, env)
	require.NoError(t, srv.waitReady(30*time.Second))
	w.base.Store(&srv.base)
	w.seed(ctx)

	var clients sync.WaitGroup
	for i := range crashClients {
		clients.Go(func() { w.client(ctx, i) })
	}
	for cycle := range *crashCycles {
		// Mostly kill a serving server; sometimes one still starting up.
		var wait time.Duration
		if rng.IntN(5) == 0 {
			wait = time.Duration(rng.IntN(30)) * time.Millisecond
		} else {
			require.NoError(t, srv.waitReady(30*time.Second), "cycle %d", cycle)
			w.checkReplays(ctx)
			wait = time.Duration(30+rng.IntN(270)) * time.Millisecond
		}
		time.Sleep(wait)
		srv.kill()
		t0 := time.Now()
		code, out, errOut := runBinary(t, nil, "verify", "--data", dir)
		require.Equal(t, 0, code, "cycle %d: the store does not verify after SIGKILL:\n%s%s", cycle, out, errOut)
		t.Logf("cycle %d: killed %s after start or readiness; verify took %s", cycle, wait, time.Since(t0).Round(time.Millisecond))
		srv = startServe(t, dir, env)
		w.base.Store(&srv.base)
	}
	require.NoError(t, srv.waitReady(30*time.Second))
	// A last stretch with no kill, so that the final server's projections follow live writes.
	time.Sleep(200 * time.Millisecond)
	w.stop.Store(true)
	clients.Wait()
	w.checkReplays(ctx)
	if t.Failed() {
		return
	}
	views := w.views(ctx, srv.base)
	treeHead := w.get(ctx, srv.base, "/v1/ledger/tree-head")
	require.NoError(t, srv.stop(20*time.Second), srv.stderr.String())

	code, out, errOut := runBinary(t, nil, "verify", "--data", dir, "--json")
	require.Equal(t, 0, code, "%s%s", out, errOut)
	var rep struct {
		Events int `json:"events"`
		Tree   struct {
			Size uint64 `json:"tree_size"`
			Root string `json:"root_hash"`
		} `json:"tree"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	var head struct {
		Size uint64 `json:"tree_size"`
		Root string `json:"root_hash"`
	}
	require.NoError(t, json.Unmarshal(treeHead, &head), string(treeHead))
	assert.Equal(t, rep.Tree, head, "the server's tree head and `ledger verify` disagree")

	w.checkLog(ctx, dir, rep.Events)
	w.checkProjections(ctx, dir, views)
	t.Logf("%d events, %d commands acknowledged, %d answered only on a retry (%d of them written before a kill), %d replays checked, in %s",
		rep.Events, len(w.acks), w.retried.Load(), w.retriedReplayed.Load(), w.replaysChecked.Load(), time.Since(started).Round(time.Millisecond))
}

// crashWorld is the clients' side of the crash test: what they were told, and how to reach the
// server of the moment.
type crashWorld struct {
	t       *testing.T
	secret  []byte
	content map[string]any
	http    *http.Client
	base    atomic.Pointer[string]
	stop    atomic.Bool

	mu   sync.Mutex
	acks map[string]command.Result // Idempotency-Key -> first 201
	keys map[string]string         // command id the ledger records for a key -> the key
	last map[int]crashOp           // client -> its last acknowledged command, to send again

	retried, retriedReplayed, replaysChecked atomic.Int64
}

// crashOp is one command as sent: a retry sends exactly the same request.
type crashOp struct {
	key, method, path, token string
	body                     []byte
}

func newCrashWorld(t *testing.T, secret []byte) *crashWorld {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "api", "testdata", "plan-content.json"))
	require.NoError(t, err)
	var content map[string]any
	require.NoError(t, json.Unmarshal(raw, &content))
	return &crashWorld{
		t: t, secret: secret, content: content,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * crashClients}},
		acks: map[string]command.Result{}, keys: map[string]string{}, last: map[int]crashOp{},
	}
}

func (w *crashWorld) token(a domain.Actor) string {
	tok, err := auth.Mint(w.secret, a, time.Now(), time.Hour)
	if err != nil {
		w.t.Errorf("mint a token for %+v: %v", a, err)
	}
	return tok
}

func (w *crashWorld) op(actor domain.Actor, method, path string, body any) crashOp {
	raw, err := json.Marshal(body)
	if err != nil {
		w.t.Errorf("encode %s %s: %v", method, path, err)
	}
	key := uuid.NewString()
	w.mu.Lock()
	w.keys[command.KeyedCommandID(actor.PersonID, key, command.Fingerprint(method, path, raw))] = key
	w.mu.Unlock()
	return crashOp{key: key, method: method, path: path, token: w.token(actor), body: raw}
}

// send sends op until it gets an answer: a connection error or a 503 means the server died or is
// starting, and the same request goes again. It returns the 201's result, or false after reporting
// any other answer.
func (w *crashWorld) send(ctx context.Context, op crashOp) (command.Result, bool) {
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			if !w.stop.Load() { // stopped with its context cancelled: a test giving up, already failed
				w.t.Errorf("%s %s (key %s): no answer before the test's deadline", op.method, op.path, op.key)
			}
			return command.Result{}, false
		}
		status, replayed, body, err := w.do(ctx, op)
		if err != nil || status == http.StatusServiceUnavailable {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if status != http.StatusCreated {
			w.t.Errorf("%s %s (key %s, attempt %d): %d %s", op.method, op.path, op.key, attempt+1, status, body)
			return command.Result{}, false
		}
		var res command.Result
		if err := json.Unmarshal(body, &res); err != nil {
			w.t.Errorf("%s %s: 201 with %q: %v", op.method, op.path, body, err)
			return command.Result{}, false
		}
		if attempt > 0 {
			w.retried.Add(1)
			if replayed {
				w.retriedReplayed.Add(1)
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if first, seen := w.acks[op.key]; seen && first != res {
			w.t.Errorf("key %s answered %+v, then %+v", op.key, first, res)
		}
		w.acks[op.key] = res
		return res, true
	}
}

func (w *crashWorld) do(ctx context.Context, op crashOp) (status int, replayed bool, body []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, op.method, *w.base.Load()+op.path, bytes.NewReader(op.body))
	if err != nil {
		return 0, false, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+op.token)
	req.Header.Set("Idempotency-Key", op.key)
	resp, err := w.http.Do(req)
	if err != nil {
		return 0, false, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", body, err
}

func (w *crashWorld) get(ctx context.Context, base, path string) []byte {
	auditor := domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	require.NoError(w.t, err)
	req.Header.Set("Authorization", "Bearer "+w.token(auditor))
	resp, err := w.http.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, body)
	return body
}

var crashAdmin = domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}

func crashPCT(i int) string      { return fmt.Sprintf("PC%02d", i) }
func crashProvider(i int) string { return fmt.Sprintf("RP%02d", i) }
func crashLHC(i int) string      { return fmt.Sprintf("lhc-crash-%02d", i) }

// seed registers an SHA and, per client, a PCT, a provider and their LHC. It runs before the first
// kill; its commands are acknowledged like any other.
func (w *crashWorld) seed(ctx context.Context) {
	reg := func(body map[string]any) {
		_, ok := w.send(ctx, w.op(crashAdmin, http.MethodPost, "/v1/organisations", body))
		require.True(w.t, ok)
	}
	reg(map[string]any{"ods_code": "Q36", "name": "NHS London", "kind": "sha"})
	// Plans are submitted to a published round.
	_, ok := w.send(ctx, w.op(crashAdmin, http.MethodPost, "/v1/rounds", map[string]any{
		"round": "2009-10", "title": "Informatics Planning 2009/10", "guidance_ref": "IP 2009/10", "published_on": "2009-01-16",
		"first_financial_year": 2009, "min_years": 3,
		"milestones": []map[string]string{{"id": "plan_submission", "due": "2009-07-31"}, {"id": "sro_signoff", "due": "2009-09-30"},
			{"id": "sha_assurance", "due": "2009-11-30"}, {"id": "sha_return", "due": "2009-12-18"}, {"id": "cfh_acknowledgement", "due": "2010-02-26"}},
		"criteria": []map[string]string{{"id": "c5", "title": "Clinical 5"}},
	}))
	require.True(w.t, ok)
	for i := range crashClients {
		reg(map[string]any{"ods_code": crashPCT(i), "name": fmt.Sprintf("Crash Test PCT %d", i), "kind": "pct", "sha_code": "Q36"})
		reg(map[string]any{"ods_code": crashProvider(i), "name": fmt.Sprintf("Crash Test Trust %d", i), "kind": "provider", "sha_code": "Q36"})
		_, ok := w.send(ctx, w.op(crashAdmin, http.MethodPost, "/v1/lhcs", map[string]any{
			"lhc_id": crashLHC(i), "name": fmt.Sprintf("Crash Test LHC %d", i), "lead_pct": crashPCT(i), "sha_code": "Q36", "members": []string{crashProvider(i)},
		}))
		require.True(w.t, ok)
	}
}

// contentOf is the test content with the indicators of client i's LHC, its PCT and its trust.
func (w *crashWorld) contentOf(i int) map[string]any {
	c := maps.Clone(w.content)
	var orgs []any
	for _, ods := range []string{crashPCT(i), crashProvider(i)} {
		orgs = append(orgs, map[string]any{"ods_code": ods, "nhs_number_current_pct": 90, "nhs_number_target_pct": 99,
			"ig_toolkit_level_current": 2, "ig_toolkit_level_target": 2})
	}
	c["per_organisation"] = orgs
	return c
}

// client i submits its LHC's plan, then records contributions to it, revising it now and then,
// until the test stops it.
func (w *crashWorld) client(ctx context.Context, i int) {
	pct := domain.Actor{PersonID: fmt.Sprintf("pc-%d", i), Name: "Commissioner", Role: domain.RolePCTCommissioner, Org: crashPCT(i)}
	provider := domain.Actor{PersonID: fmt.Sprintf("pr-%d", i), Name: "Provider", Role: domain.RoleProvider, Org: crashProvider(i)}
	planID, versions := "", 0
	for n := 0; !w.stop.Load(); n++ {
		var op crashOp
		switch {
		case planID == "":
			op = w.op(pct, http.MethodPost, "/v1/plans", map[string]any{
				"lhc_id": crashLHC(i), "round": "2009-10", "period": map[string]int{"first_year": 2009, "last_year": 2011}, "content": w.contentOf(i),
			})
		case n%8 == 7 && versions >= domain.MaxVersions:
			// A plan holds at most so many versions: a long run withdraws it and submits another.
			op = w.op(pct, http.MethodPost, "/v1/plans/"+planID+"/withdrawal", map[string]any{"reason": fmt.Sprintf("step %d: the most versions a plan may have", n)})
		case n%8 == 7:
			content := w.contentOf(i)
			content["data_quality"] = fmt.Sprintf("Data quality dashboard, revision %d", n)
			op = w.op(pct, http.MethodPost, "/v1/plans/"+planID+"/revisions", map[string]any{"content": content, "reason": fmt.Sprintf("step %d", n)})
		default:
			op = w.op(provider, http.MethodPost, "/v1/plans/"+planID+"/contributions", map[string]any{"section": "clinical5", "summary": fmt.Sprintf("step %d", n)})
		}
		res, ok := w.send(ctx, op)
		if !ok {
			return
		}
		switch {
		case planID == "":
			planID, versions = res.PlanID, 1
		case strings.HasSuffix(op.path, "/withdrawal"):
			planID = ""
		case strings.HasSuffix(op.path, "/revisions"):
			versions++
		}
		w.mu.Lock()
		w.last[i] = op
		w.mu.Unlock()
	}
}

// checkReplays sends each client's last acknowledged command again: the answer must be the
// original result, marked replayed, whether or not a kill came in between.
func (w *crashWorld) checkReplays(ctx context.Context) {
	w.mu.Lock()
	ops := slices.Collect(maps.Values(w.last))
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Go(func() { w.checkReplay(ctx, op) })
	}
	wg.Wait()
}

func (w *crashWorld) checkReplay(ctx context.Context, op crashOp) {
	for {
		status, replayed, body, err := w.do(ctx, op)
		if err != nil || status == http.StatusServiceUnavailable {
			if ctx.Err() != nil {
				w.t.Errorf("replay of %s: %v", op.key, ctx.Err())
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var res command.Result
		_ = json.Unmarshal(body, &res)
		w.mu.Lock()
		first := w.acks[op.key]
		w.mu.Unlock()
		if status != http.StatusCreated || !replayed || res != first {
			w.t.Errorf("replay of %s %s (key %s): %d replayed=%v %s; first answer %+v", op.method, op.path, op.key, status, replayed, body, first)
		}
		w.replaysChecked.Add(1)
		return
	}
}

// crashViews are the read models compared between the last server and a fresh replay.
var crashViews = []string{"/v1/organisations", "/v1/lhcs", "/v1/plans", "/v1/reports/transparency?round=2009-10"}

func (w *crashWorld) views(ctx context.Context, base string) map[string]any {
	w.mu.Lock()
	var head uint64
	for _, r := range w.acks {
		head = max(head, r.Position)
	}
	w.mu.Unlock()
	out := map[string]any{}
	for _, path := range crashViews {
		sep := "?"
		if bytes.ContainsRune([]byte(path), '?') {
			sep = "&"
		}
		var v any
		require.NoError(w.t, json.Unmarshal(w.get(ctx, base, fmt.Sprintf("%s%smin_position=%d", path, sep, head)), &v))
		out[path] = v
	}
	return out
}

// checkLog opens the store the server left and checks it holds exactly the acknowledged commands.
func (w *crashWorld) checkLog(ctx context.Context, dir string, verified int) {
	t := w.t
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, verified)
	byCommand := map[string]int{} // command id -> index in all
	for i, rec := range all {
		require.EqualValues(t, i+1, rec.Position, "positions run 1, 2, 3, ...")
		e, err := command.DecodeRecorded(rec)
		require.NoError(t, err)
		if j, dup := byCommand[e.Meta.CommandID]; dup {
			t.Errorf("command %s has two events, at positions %d and %d", e.Meta.CommandID, all[j].Position, rec.Position)
		}
		byCommand[e.Meta.CommandID] = i
		res, acked := w.acks[w.keys[e.Meta.CommandID]]
		if !acked {
			t.Errorf("event at position %d (command %s) was never acknowledged, nor was its command retried to an answer", rec.Position, e.Meta.CommandID)
			continue
		}
		assert.Equal(t, res.EventID, rec.ID.String(), "position %d", rec.Position)
		assert.Equal(t, res.Position, rec.Position, "command %s", e.Meta.CommandID)
		assert.Equal(t, res.Stream, rec.Stream, "command %s", e.Meta.CommandID)
		assert.Equal(t, res.Revision, rec.Revision, "command %s", e.Meta.CommandID)
		assert.Equal(t, res.Hash, e.Meta.Hash, "command %s", e.Meta.CommandID)
	}
	recorded := map[string]bool{}
	for id := range byCommand {
		recorded[w.keys[id]] = true
	}
	for key := range w.acks {
		if !recorded[key] {
			t.Errorf("command %s was acknowledged with 201 but has no event", key)
		}
	}
}

// checkProjections replays the whole log into fresh projections, serves them in process and
// compares each view with what the last server answered.
func (w *crashWorld) checkProjections(ctx context.Context, dir string, served map[string]any) {
	t := w.t
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	proj := projections.New(s, nil)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proj.Run(runCtx) }()
	defer func() { stop(); <-done }()
	require.Eventually(t, func() bool { return proj.Ready() == nil }, 30*time.Second, 10*time.Millisecond)
	h := api.New(api.Config{Commands: command.NewHandler(s, command.Options{}), Projections: proj, Store: s, Tokens: auth.NewVerifier(w.secret, nil)})
	srv := httptest.NewServer(h)
	defer srv.Close()
	replayed := w.views(ctx, srv.URL)
	for _, path := range crashViews {
		assert.Equal(t, replayed[path], served[path], "%s: the server's view differs from a fresh replay", path)
	}
}
