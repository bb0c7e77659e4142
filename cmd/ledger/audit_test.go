package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/audit"
	"assurance-ledger/auth"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

// The tests of ledger audit run the ledger binary twice over: as the server, and as the auditor,
// who has nothing but the server's address, a token and (from the first audit) its key.

var (
	faultOnce sync.Once
	faultPath string
	faultErr  error
)

// faultBinary builds cmd/ledger with -tags ledgerfault: a server that misbehaves as
// LEDGER_TEST_FAULT says (api/fault_on.go). The production build has none of that code.
func faultBinary(t *testing.T) string {
	t.Helper()
	ledgerBinary(t) // makes binDir
	faultOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		faultPath = filepath.Join(binDir, "ledger-fault")
		if out, err := exec.Command(goTool, "build", "-tags", "ledgerfault", "-o", faultPath, ".").CombinedOutput(); err != nil {
			faultErr = fmt.Errorf("go build -tags ledgerfault: %v\n%s", err, out)
		}
	})
	require.NoError(t, faultErr)
	return faultPath
}

var auditSecret = strings.Repeat("a", auth.MinSecretLen)

var (
	demoOnce  sync.Once
	demoCount uint64
)

// demoSize is how many events `ledger serve --demo` records.
func demoSize(t *testing.T) uint64 {
	t.Helper()
	demoOnce.Do(func() { demoCount = uint64(len(demoLedger(t, t.TempDir()))) })
	require.Positive(t, demoCount)
	return demoCount
}

func auditEnv(extra ...string) []string {
	return append([]string{auth.SecretEnv + "=" + auditSecret}, extra...)
}

// serveLedger starts the binary on dir (given the demo data set first if seed, demoStore) and waits
// until it is ready.
func serveLedger(t *testing.T, binary, dir string, seed bool, env ...string) *ledgerProc {
	t.Helper()
	if seed {
		demoStore(t, dir)
	}
	p := startServeWith(t, binary, dir, auditEnv(env...))
	require.NoError(t, p.waitReady(60*time.Second))
	return p
}

func bearerOf(t *testing.T, role domain.Role, org string) string {
	t.Helper()
	tok, err := auth.Mint([]byte(auditSecret), domain.Actor{PersonID: "p-" + string(role), Name: "Test " + string(role), Role: role, Org: org}, time.Now(), time.Hour)
	require.NoError(t, err)
	return tok
}

// auditWith runs `ledger audit` (the given build) against base into state, with --json, and
// returns its exit status, its report and its stderr.
func auditWith(t *testing.T, base, state string, extra ...string) (int, audit.Report, string) {
	t.Helper()
	args := append([]string{"audit", "--url", base, "--token", bearerOf(t, domain.RoleAuditor, "X26"), "--state", state, "--json"}, extra...)
	code, out, errOut := runBinary(t, nil, args...)
	var rep audit.Report
	if code != 2 {
		require.NoError(t, json.Unmarshal([]byte(out), &rep), "stdout: %s\nstderr: %s", out, errOut)
	}
	return code, rep, errOut
}

// registerOrgs records n providers in Q36 through the API, named after prefix.
func registerOrgs(t *testing.T, base, prefix string, n int) {
	t.Helper()
	tok := bearerOf(t, domain.RoleAdmin, "X26")
	for i := range n {
		// Three base-36 digits keep the code within the five characters an ODS code has, for
		// as many organisations as a regrown demo log needs.
		code := prefix + strings.ToUpper(fmt.Sprintf("%03s", strconv.FormatInt(int64(i), 36)))
		body := fmt.Sprintf(`{"ods_code":%q,"name":"%s Trust %d","kind":"provider","sha_code":"Q36"}`, code, prefix, i)
		req, err := http.NewRequest(http.MethodPost, base+"/v1/organisations", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	}
}

// storedEvents reads the events of a stopped ledger's data directory.
func storedEvents(t *testing.T, dir string) []eventstore.RecordedEvent {
	t.Helper()
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	events, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	return events
}

// ledgerHolding makes a data directory whose store holds events (ids and stored bytes as given),
// with dir's signing key: the ledger someone with the key and write access to the store could
// bring up in dir's place. The tree and the projections are rebuilt from it when it is served.
func ledgerHolding(t *testing.T, dir string, events []eventstore.RecordedEvent) string {
	t.Helper()
	out := t.TempDir()
	s, err := boltstore.Open(storeFile(out), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	demotest.AppendRecorded(t, s, events)
	require.NoError(t, s.Close())
	raw, err := os.ReadFile(filepath.Join(dir, ledgertree.KeyFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, ledgertree.KeyFile), raw, 0o600))
	return out
}

// copyDir copies a stopped ledger's data directory.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, e.Name()), raw, 0o600))
	}
	return out
}

// An auditor with a URL and a token ends, in one command, with a verified copy of the log, every
// published answer checked against it, and nothing found; the copy is a data directory verify,
// replay and evidence read, and the heads it matched go to --heads. The production binary
// ignores the test build's fault switch. Later audits read only what is new.
func TestAuditOfARunningServer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	srv := serveLedger(t, ledgerBinary(t), dir, true, "LEDGER_TEST_FAULT=report")
	state := filepath.Join(t.TempDir(), "audit")
	heads := filepath.Join(t.TempDir(), "heads.jsonl")

	n := demoSize(t)
	code, rep, stderr := auditWith(t, srv.base, state, "--heads", heads)
	require.Equal(t, 0, code, stderr)
	assert.True(t, rep.OK())
	assert.Equal(t, n, rep.EventsMirrored)
	assert.Equal(t, n, rep.ServerPosition)
	require.NotNil(t, rep.Head)
	assert.Equal(t, n, rep.Head.TreeSize)
	assert.Equal(t, rep.RootHash, rep.Head.RootHash)
	assert.Equal(t, "first_use", rep.KeyPinned)
	assert.Greater(t, rep.AnswersCompared, 300, "reports, registry, plans, SHA status and SRO evidence")
	assert.Zero(t, rep.DifferencesTotal, "%v", rep.Differences)
	assert.Contains(t, stderr, "pinned the server's key")
	assert.Contains(t, stderr, "mirroring from server position 1")
	exported, err := ledgertree.ReadHeads(heads)
	require.NoError(t, err)
	require.NotEmpty(t, exported)
	assert.Equal(t, *rep.Head, exported[len(exported)-1])

	// The copy is a ledger data directory without the ledger's secrets.
	for _, secret := range []string{ledgertree.KeyFile, "jwt-secret"} {
		_, err := os.Stat(filepath.Join(state, secret))
		assert.True(t, os.IsNotExist(err), "%s in the auditor's directory", secret)
	}
	code, out, errOut := runBinary(t, nil, "verify", "--data", state)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "tree heads: 1 stored head matches the log")
	code, out, errOut = runBinary(t, nil, "replay", "--data", state)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("events: %d\n", n))
	bundle := filepath.Join(t.TempDir(), "5K5.json")
	code, _, errOut = runBinary(t, nil, "evidence", "--data", state, "--org", "5K5", "--out", bundle)
	require.Equal(t, 0, code, errOut)
	keyDoc, err := os.ReadFile(filepath.Join(state, audit.PublicKeyFile))
	require.NoError(t, err)
	code, out, errOut = runBinary(t, nil, "verify", "--bundle", bundle, "--public-key", string(keyDoc))
	require.Equal(t, 0, code, out+errOut)

	// The same audit in words: the one-command journey the README shows.
	code, out, errOut = runBinary(t, nil, "audit", "--url", srv.base, "--token", bearerOf(t, domain.RoleProvider, "RJ1"), "--state", state)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "status: clean: the ledger's log, signed heads and published answers agree with the mirror")
	assert.Contains(t, out, fmt.Sprintf("mirror: %d events held (0 new)", n))

	// What is recorded after an audit is what the next one reads.
	registerOrgs(t, srv.base, "ZU", 7)
	code, rep, stderr = auditWith(t, srv.base, state, "--no-compare") // the answers were compared above
	require.Equal(t, 0, code, stderr)
	assert.EqualValues(t, 7, rep.EventsMirrored)
	assert.Equal(t, n+7, rep.EventsHeld)
	assert.Equal(t, n, rep.PreviousHead.TreeSize)
	assert.Equal(t, n+7, rep.Head.TreeSize)
	assert.Equal(t, "state", rep.KeyPinned)
	assert.Contains(t, stderr, fmt.Sprintf("mirroring from server position %d", n+1))

	// verify on a mirror says how many of its events no matched head holds (as after an audit
	// interrupted before it matched a head): they are the server's word only.
	for _, keep := range []int{0, 1} {
		cp := copyDir(t, state)
		hs, err := ledgertree.ReadHeads(filepath.Join(cp, ledgertree.HeadsFile))
		require.NoError(t, err)
		require.Len(t, hs, 2)
		var raw []byte
		for _, h := range hs[:keep] {
			line, err := json.Marshal(h)
			require.NoError(t, err)
			raw = append(append(raw, line...), '\n')
		}
		require.NoError(t, os.WriteFile(filepath.Join(cp, ledgertree.HeadsFile), raw, 0o600))
		past := n + 7
		if keep == 1 {
			past = 7
		}
		code, out, errOut = runBinary(t, nil, "verify", "--data", cp)
		require.Equal(t, 0, code, out+errOut)
		assert.Contains(t, out, fmt.Sprintf("no head the ledger signed that an audit matched holds its last %d event(s)", past))
		code, out, errOut = runBinary(t, nil, "verify", "--data", cp, "--json")
		require.Equal(t, 0, code, out+errOut)
		assert.Contains(t, out, fmt.Sprintf(`"events_past_signed_heads": %d`, past))
	}
	code, out, errOut = runBinary(t, nil, "verify", "--data", state)
	require.Equal(t, 0, code, out+errOut)
	assert.NotContains(t, out, "note:", "every event of a finished audit is under a head it matched")
}

// verify, replay and evidence on the data directory of a running server fail at once, in one line
// that says how to check a running ledger, never with a lock error or a wait.
func TestReadingCommandsOnALiveDataDirectory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	srv := serveLedger(t, ledgerBinary(t), dir, true)
	for _, args := range [][]string{
		{"verify", "--data", dir},
		{"verify", "--data", dir, "--json"},
		{"replay", "--data", dir},
		{"evidence", "--data", dir, "--org", "5K5", "--out", filepath.Join(t.TempDir(), "b.json")},
	} {
		start := time.Now()
		code, out, errOut := runBinary(t, auditEnv(), args...)
		took := time.Since(start)
		assert.Equal(t, 2, code, "%v: %s%s", args, out, errOut)
		assert.Empty(t, out, "%v", args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: one line: %q", args, errOut)
		assert.Contains(t, errOut, "is in use by a running ledger")
		assert.Contains(t, errOut, "ledger audit --url URL --token TOKEN --state AUDIT_DIR, then ledger "+args[0]+" --data AUDIT_DIR")
		assert.NotContains(t, errOut, "lock")
		assert.Less(t, took, 2*time.Second, "%v answers at once", args)
	}
	require.NoError(t, srv.waitReady(time.Second), "the server goes on")
}

// An audit interrupted part way (killed) keeps what it checked and wrote; the next one reads on
// from there, and the mirror ends exactly the server's log.
func TestAuditResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := serveLedger(t, faultBinary(t), t.TempDir(), true, "LEDGER_TEST_FAULT=slow-feed")
	state := t.TempDir()
	cmd := exec.Command(ledgerBinary(t), "audit", "--url", srv.base, "--token", bearerOf(t, domain.RoleAuditor, "X26"), "--state", state, "--page", "20")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "audit: mirrored ") }, 30*time.Second, 10*time.Millisecond,
		"a progress line while mirroring: %s", stderr.String())
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()

	code, rep, errOut := auditWith(t, srv.base, state, "--page", "100", "--no-compare") // the mirror is what is checked here
	require.Equal(t, 0, code, errOut)
	held := rep.EventsHeld - rep.EventsMirrored
	assert.Positive(t, held, "the interrupted audit kept what it had checked")
	assert.Less(t, held, demoSize(t), "and was interrupted before the end")
	assert.Contains(t, errOut, fmt.Sprintf("mirroring from server position %d", held+1))
	assert.Equal(t, demoSize(t), rep.EventsHeld)
	assert.True(t, rep.OK(), "%+v %v", rep.Findings, rep.Differences)
	srv.kill()
	code, out, errOut := runBinary(t, nil, "verify", "--data", state)
	require.Equal(t, 0, code, out+errOut)
}

// A server whose log was cut back and grown again with other events, or only cut back, since the
// last audit is caught, naming the first event it no longer has.
func TestAuditFindsATruncatedAndRegrownLog(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	srv := serveLedger(t, ledgerBinary(t), dir, true)
	state := t.TempDir()
	code, _, stderr := auditWith(t, srv.base, state, "--no-compare") // the log is what is checked here
	require.Equal(t, 0, code, stderr)
	require.NoError(t, srv.stop(30*time.Second))
	events := storedEvents(t, dir)

	for _, tc := range []struct {
		name     string
		keep     int
		regrow   int
		kind     string
		removed  bool
		leafWant uint64
	}{
		// Grown again by 50 events beyond its old size: cut back near its end, so that growing it
		// takes few requests (each an fsync of the server's).
		{"cut back by 150 and grown again beyond it", int(demoSize(t)) - 150, 200, audit.KindDeparture, false, demoSize(t) - 150},
		{"cut back to 500", 500, 0, audit.KindTruncated, true, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := ledgerHolding(t, dir, events[:tc.keep])
			srv := serveLedger(t, ledgerBinary(t), cut, false)
			if tc.regrow > 0 {
				registerOrgs(t, srv.base, "ZR", tc.regrow)
			}
			mine := copyDir(t, state)
			code, rep, stderr := auditWith(t, srv.base, mine)
			require.Equal(t, 1, code, stderr)
			require.Len(t, rep.Findings, 1, "%+v", rep.Findings)
			f := rep.Findings[0]
			assert.Equal(t, tc.kind, f.Kind)
			require.NotNil(t, f.Leaf)
			assert.Equal(t, tc.leafWant, *f.Leaf, f.Reason)
			assert.EqualValues(t, tc.leafWant+1, f.Position)
			assert.Equal(t, events[tc.leafWant].ID.String(), f.EventID)
			assert.Equal(t, events[tc.leafWant].Stream, f.Stream)
			assert.Equal(t, tc.removed, strings.Contains(f.Reason, "the server no longer has"), f.Reason)
			assert.Zero(t, rep.EventsMirrored, "nothing of a log that departs is mirrored")
			code, out, _ := runBinary(t, nil, "audit", "--url", srv.base, "--token", bearerOf(t, domain.RoleAuditor, "X26"), "--state", copyDir(t, state))
			assert.Equal(t, 1, code)
			assert.Contains(t, out, fmt.Sprintf("TAMPERING %s: position %d, stream %s", tc.kind, tc.leafWant+1, events[tc.leafWant].Stream))
		})
	}
}

// alter returns events with the statement of sign-off i changed, its hash recomputed if rehash:
// what someone with write access to the store leaves.
func alter(t *testing.T, events []eventstore.RecordedEvent, i int, rehash bool) []eventstore.RecordedEvent {
	t.Helper()
	out := append([]eventstore.RecordedEvent(nil), events...)
	rec := out[i]
	require.Equal(t, domain.TypeSROSignedOff, rec.Type)
	var data map[string]any
	require.NoError(t, json.Unmarshal(rec.Data, &data))
	data["statement"] = data["statement"].(string) + " (amended)"
	raw, err := json.Marshal(data)
	require.NoError(t, err)
	rec.Data = raw
	if rehash {
		var meta map[string]any
		require.NoError(t, json.Unmarshal(rec.Metadata, &meta))
		h, err := eventcodec.ChainHash(meta["prev_hash"].(string), rec.Type, rec.Data, rec.Metadata)
		require.NoError(t, err)
		rec.Metadata = bytes.Replace(rec.Metadata, []byte(meta["hash"].(string)), []byte(h), 1)
	}
	out[i] = rec
	return out
}

// signOffAfter is the index of the first SRO sign-off at or after i.
func signOffAfter(t *testing.T, events []eventstore.RecordedEvent, i int) int {
	t.Helper()
	for ; i < len(events); i++ {
		if events[i].Type == domain.TypeSROSignedOff {
			return i
		}
	}
	t.Fatal("no sign-off")
	return 0
}

// An event altered in place on the server after it was audited: rewritten with a recomputed hash
// (the server's tree, rebuilt from its log, then departs there), or with its hash left as it was
// under the tree the server had (only re-reading it shows: --recheck).
func TestAuditFindsAnAlteredLog(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	srv := serveLedger(t, ledgerBinary(t), dir, true)
	state := t.TempDir()
	code, _, stderr := auditWith(t, srv.base, state, "--no-compare") // the log is what is checked here
	require.Equal(t, 0, code, stderr)
	require.NoError(t, srv.stop(30*time.Second))
	events := storedEvents(t, dir)
	i := signOffAfter(t, events, 300)

	t.Run("rehashed, tree rebuilt", func(t *testing.T) {
		srv := serveLedger(t, ledgerBinary(t), ledgerHolding(t, dir, alter(t, events, i, true)), false)
		code, rep, stderr := auditWith(t, srv.base, copyDir(t, state))
		require.Equal(t, 1, code, stderr)
		require.Len(t, rep.Findings, 1)
		f := rep.Findings[0]
		assert.Equal(t, audit.KindDeparture, f.Kind)
		require.NotNil(t, f.Leaf)
		assert.EqualValues(t, i, *f.Leaf, f.Reason)
		assert.EqualValues(t, i+1, f.Position)
		assert.Equal(t, events[i].ID.String(), f.EventID)
	})

	t.Run("hash kept, tree kept", func(t *testing.T) {
		altered := ledgerHolding(t, dir, alter(t, events, i, false))
		for _, keep := range []string{ledgertree.CheckpointFile, ledgertree.HeadsFile, "projections.snap"} {
			raw, err := os.ReadFile(filepath.Join(dir, keep))
			require.NoError(t, err, keep)
			require.NoError(t, os.WriteFile(filepath.Join(altered, keep), raw, 0o600))
		}
		srv := serveLedger(t, ledgerBinary(t), altered, false)
		code, rep, stderr := auditWith(t, srv.base, copyDir(t, state), "--recheck")
		require.Equal(t, 1, code, stderr)
		require.Len(t, rep.Findings, 1)
		f := rep.Findings[0]
		assert.Equal(t, audit.KindAltered, f.Kind)
		assert.EqualValues(t, i+1, f.Position)
		assert.Equal(t, events[i].ID.String(), f.EventID)
		assert.Contains(t, f.Reason, "its stored hash no longer matches it")
		assert.EqualValues(t, i, rep.Rechecked, "the events before it were re-read and found unchanged")
	})
}

// The log a server shows after the last audit is a fork of the one it showed before (another copy
// of the ledger, grown differently, brought up in its place): caught, naming the first event of the
// fork. Two auditors each shown one of the forks compare their heads and find the split view.
func TestAuditFindsAForkAndASplitView(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	srv := serveLedger(t, ledgerBinary(t), dir, true)
	require.NoError(t, srv.stop(30*time.Second))
	fork := copyDir(t, dir)

	a := serveLedger(t, ledgerBinary(t), dir, false)
	registerOrgs(t, a.base, "ZF", 20)
	stateA := t.TempDir()
	// The log and the heads are what is checked here, not the published answers.
	code, repA, stderr := auditWith(t, a.base, stateA, "--no-compare", "--heads", filepath.Join(stateA, "exported.jsonl"))
	require.Equal(t, 0, code, stderr)
	require.NoError(t, a.stop(30*time.Second))

	b := serveLedger(t, ledgerBinary(t), fork, false)
	registerOrgs(t, b.base, "ZG", 20)
	code, rep, stderr := auditWith(t, b.base, copyDir(t, stateA))
	require.Equal(t, 1, code, stderr)
	require.Len(t, rep.Findings, 1)
	f := rep.Findings[0]
	assert.Equal(t, audit.KindDeparture, f.Kind)
	require.NotNil(t, f.Leaf)
	assert.Equal(t, demoSize(t), *f.Leaf, f.Reason)
	assert.Equal(t, demoSize(t)+1, f.Position)
	assert.NotEmpty(t, f.ServerEventID)
	assert.NotEqual(t, f.EventID, f.ServerEventID, "the server has another event there now")

	// Another auditor, shown only the fork, finds it consistent in itself.
	stateB := t.TempDir()
	headsB := filepath.Join(stateB, "exported.jsonl")
	code, repB, stderr := auditWith(t, b.base, stateB, "--no-compare", "--heads", headsB)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, repA.Head.TreeSize, repB.Head.TreeSize)
	require.NotEqual(t, repA.Head.RootHash, repB.Head.RootHash)
	// Comparing what they were shown finds it: two heads of one size, one key, different roots.
	code, out, errOut := runBinary(t, nil, "audit", "--compare-heads", filepath.Join(stateA, "exported.jsonl"), headsB, "--state", stateA)
	require.Equal(t, 1, code, out+errOut)
	assert.Contains(t, out, fmt.Sprintf("SPLIT VIEW the ledger's key signed two trees of %d leaves with different roots", demoSize(t)+20))
	assert.Contains(t, errOut, "ledger: split view: ", "said once, not twice")
	assert.NotContains(t, errOut, "split view: split view")
	// A head smaller than the other's is held to that auditor's mirror.
	smaller := filepath.Join(t.TempDir(), "smaller.jsonl")
	line, err := json.Marshal(repB.Head)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(smaller, append(line, '\n'), 0o600))
	registerOrgs(t, b.base, "ZH", 3)
	code, _, stderr = auditWith(t, b.base, stateB, "--no-compare", "--heads", headsB)
	require.Equal(t, 0, code, stderr)
	code, out, errOut = runBinary(t, nil, "audit", "--compare-heads", headsB, filepath.Join(stateA, "exported.jsonl"), "--state", stateB, "--json")
	require.Equal(t, 1, code, out+errOut)
	var sv audit.SplitView
	require.NoError(t, json.Unmarshal([]byte(out), &sv))
	assert.NotEmpty(t, sv.Findings)
	// The same auditor's own heads never contradict each other.
	code, out, errOut = runBinary(t, nil, "audit", "--compare-heads", headsB, smaller, "--state", stateB)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "ok: no two heads contradict each other")
	// Heads of different sizes, with nothing to check them by, are not checked, never ok; the
	// server's consistency proof checks them.
	code, out, errOut = runBinary(t, nil, "audit", "--compare-heads", headsB, smaller, "--public-key", filepath.Join(stateB, audit.PublicKeyFile))
	require.Equal(t, 2, code, out+errOut)
	assert.Contains(t, out, "NOT CHECKED")
	assert.Contains(t, errOut, "not checked")
	assert.NotContains(t, out, "ok:")
	code, out, errOut = runBinary(t, nil, "audit", "--compare-heads", headsB, smaller, "--public-key", filepath.Join(stateB, audit.PublicKeyFile),
		"--url", b.base, "--token", bearerOf(t, domain.RoleAuditor, "X26"))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "1 pairs proved consistent")
}

// A server publishing a report its own log does not say (the test build's fault switch) is caught:
// each difference printed, exit 1. Its log and heads are sound, so only the comparison shows it.
func TestAuditFindsAPublishedAnswerThatDiffersFromTheLog(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := serveLedger(t, faultBinary(t), t.TempDir(), true, "LEDGER_TEST_FAULT=report")
	state := t.TempDir()
	code, out, errOut := runBinary(t, nil, "audit", "--url", srv.base, "--token", bearerOf(t, domain.RoleAuditor, "X26"), "--state", state)
	require.Equal(t, 1, code, out+errOut)
	n := demoSize(t)
	m := regexp.MustCompile(fmt.Sprintf(`DIFF /v1/reports/transparency\?as_of=%d&min_position=%d /totals/plans: server (\d+), mirror (\d+)`, n, n)).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	server, _ := strconv.Atoi(m[1])
	mirror, _ := strconv.Atoi(m[2])
	assert.Equal(t, mirror+1, server, "the fault counts a plan twice")
	assert.Contains(t, out, fmt.Sprintf("DIFF /v1/reports/transparency?round=2009-10&as_of=%d&min_position=%d /totals/plans:", n, n))
	assert.NotContains(t, out, "TAMPERING", "the log itself is sound")
	assert.Contains(t, errOut, "is NOT what its log says")

	code, rep, _ := auditWith(t, srv.base, state)
	require.Equal(t, 1, code)
	assert.Empty(t, rep.Findings)
	assert.Positive(t, rep.DifferencesTotal)
	for _, d := range rep.Differences {
		assert.True(t, strings.HasPrefix(d.Query, "/v1/reports/transparency?"), "only the report differs: %s", d)
	}
}

// The audit's last word is its status, and it never says clean after an error: an unreachable
// server, a --page out of range, an interrupt. An interrupted audit stops at once and keeps what it
// checked; ledger verify on its directory meanwhile names the audit, and ledger serve refuses an
// auditor's directory outright.
func TestAuditEndsWithItsStatus(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	tok := bearerOf(t, domain.RoleAuditor, "X26")
	code, out, errOut := runBinary(t, nil, "audit", "--url", "http://127.0.0.1:"+strconv.Itoa(closedPort(t)), "--token", tok, "--state", t.TempDir())
	assert.Equal(t, 2, code, out+errOut)
	assert.Contains(t, out, "status: failed")
	assert.NotContains(t, out, "clean")
	assert.NotContains(t, out, "ok")
	for _, page := range []string{"0", "5000", "-1"} {
		code, out, errOut = runBinary(t, nil, "audit", "--url", "http://127.0.0.1:1", "--token", tok, "--state", t.TempDir(), "--page", page)
		assert.Equal(t, 2, code, out+errOut)
		assert.Contains(t, errOut, "--page must be 1 to 1000", page)
	}

	srv := serveLedger(t, faultBinary(t), t.TempDir(), true, "LEDGER_TEST_FAULT=slow-feed")
	state := t.TempDir()
	cmd := exec.Command(ledgerBinary(t), "audit", "--url", srv.base, "--token", tok, "--state", state, "--page", "20")
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "audit: mirrored ") }, 30*time.Second, 10*time.Millisecond,
		"a progress line while mirroring: %s", stderr.String())
	code, out, errOut = runBinary(t, nil, "verify", "--data", state)
	assert.Equal(t, 2, code, out+errOut)
	assert.Contains(t, errOut, "a ledger audit is writing now")
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the audit did not stop on SIGINT")
	}
	assert.Equal(t, 2, cmd.ProcessState.ExitCode())
	assert.Contains(t, stdout.String(), "status: failed")
	assert.Contains(t, stdout.String(), "interrupted: the mirror keeps the", "an interrupt is named, not a raw context error")
	assert.NotContains(t, stdout.String(), "context canceled")
	assert.NotContains(t, stdout.String(), "clean")
	m := regexp.MustCompile(`mirror: (\d+) events held`).FindStringSubmatch(stdout.String())
	require.NotNil(t, m, stdout.String())
	held, _ := strconv.Atoi(m[1])
	assert.Positive(t, held, "what it checked is kept, and said")

	code, out, errOut = runBinary(t, auditEnv(), "serve", "--addr", "127.0.0.1:"+strconv.Itoa(closedPort(t)), "--data", state)
	assert.Equal(t, 2, code, out+errOut)
	assert.Contains(t, errOut, "is an auditor's mirror")
	_, err := os.Stat(filepath.Join(state, ledgertree.KeyFile))
	assert.True(t, os.IsNotExist(err), "no key of its own was made")
}
