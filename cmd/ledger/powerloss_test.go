package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/lazyfs"
	"assurance-ledger/ledgertree"
)

var (
	powerLossCycles = flag.Int("powerloss.cycles", 3, "power cuts of TestPowerLoss, and (3 to 12) of each power-loss test of the files beside the store; .ci/run runs 50 in a step of its own")
	powerLossSeed   = flag.Uint64("powerloss.seed", 0, "seed of the power-loss tests' choices (0: a fresh one, logged)")
)

// powerLossRand returns the test's random source, logging its seed: the seed replays the test's
// choices (crash modes, instants, what each crash keeps), though not the scheduling of the
// processes and clients around them.
func powerLossRand(t *testing.T) *rand.Rand {
	seed := *powerLossSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -run '^%s$' -powerloss.seed=%d)", seed, t.Name(), seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// TestPowerLoss runs `ledger serve` with its data directory on a lazyfs mount, has 32 clients send
// commands with Idempotency-Keys and another ask for signed tree heads, and at a random instant
// cuts the power: the filesystem keeps only what was synced (or, by turns, a random part of the
// rest, or that with a torn page) and the server is killed at that instant. The instant is a
// moment of the clock, or the n-th change (a write, a name made or removed) to the store, to the
// tree's checkpoint, to the head log or to any file. The filesystem is mounted again on what
// survived and the server started again, each cycle. The first start creates the data directory,
// the JWT secret and the ledger key on the mount. After every power cut:
//   - the JWT secret and the ledger key are those of the first start;
//   - every tree head the server gave out is in its head log;
//   - `ledger verify` passes (chains, Merkle tree, stored heads);
//   - every command that got a 201 has its event at the position, with the id, it was told.
//
// At the end, as in TestCrashSafety: the log holds exactly the acknowledged commands, each once; a
// retry with an acknowledged command's key returns the original result; the server's tree head
// matches `ledger verify`; its projections equal a fresh replay of the log.
func TestPowerLoss(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cuts the power under a server many times")
	}
	fs := lazyfs.MountForTest(t)
	rng := powerLossRand(t)
	started := time.Now()
	data := filepath.Join(fs.Dir(), "ledger-data") // the first start creates it

	srv := startPowerServe(t, fs, data)
	require.NoError(t, srv.waitReady(30*time.Second))
	keys := readKeyFiles(t, data)
	w := newCrashWorld(t, bytes.TrimSpace(keys[jwtSecretFile]))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute+time.Duration(*powerLossCycles)*5*time.Second)
	defer cancel()
	w.base.Store(&srv.base)
	w.seed(ctx)

	heads := &headWatch{w: w, got: map[uint64]ledgertree.TreeHead{}}
	var clients sync.WaitGroup
	for i := range crashClients {
		clients.Go(func() { w.client(ctx, i) })
	}
	clients.Go(func() { heads.watch(ctx) })
	defer func() { // on a failure, the clients stop before the test ends
		w.stop.Store(true)
		cancel()
		clients.Wait()
	}()

	var lostBytes int64
	for cycle := range *powerLossCycles {
		mode := lazyfs.Modes[cycle%len(lazyfs.Modes)]
		// Mostly cut a serving server, now and then one still starting.
		var wait time.Duration
		if rng.IntN(8) == 0 {
			wait = time.Duration(rng.IntN(300)) * time.Millisecond
		} else {
			require.NoError(t, srv.waitReady(30*time.Second), "cycle %d", cycle)
			w.checkReplays(ctx)
			wait = time.Duration(30+rng.IntN(270)) * time.Millisecond
		}
		time.Sleep(wait)
		st, at := powerCut(fs, mode, rng)
		srv.kill()
		require.NoError(t, fs.Remount())
		lostBytes += st.BytesLost
		where := fmt.Sprintf("cycle %d (%s, %s after start or readiness, %s)", cycle, mode, wait, at)
		t.Logf("%s: power cut lost %d bytes in %d files, %d directory changes, tore %d writes, %d files gone",
			where, st.BytesLost, st.FilesChanged, st.EntriesUndone, st.Torn, st.Gone)

		assert.Equal(t, keys, readKeyFiles(t, data), "%s: the secret and the ledger key are those of the first start", where)
		heads.check(t, data, where)
		// Checked on a copy: ledger verify reads the store through a mapping that asks for one 4 KiB
		// page at a time, slow through FUSE, and the copy holds the same bytes.
		copied := copyDataOut(t, data)
		code, out, errOut := runBinary(t, nil, "verify", "--data", copied)
		require.Equal(t, 0, code, "%s: ledger verify:\n%s%s", where, out, errOut)
		w.checkAcknowledged(ctx, copied, where)
		if t.Failed() {
			t.FailNow()
		}
		srv = startPowerServe(t, fs, data)
		w.base.Store(&srv.base)
	}
	require.NoError(t, srv.waitReady(30*time.Second))
	time.Sleep(200 * time.Millisecond) // the last server's projections follow live writes
	w.stop.Store(true)
	clients.Wait()
	w.checkReplays(ctx)
	if t.Failed() {
		return
	}
	views := w.views(ctx, srv.base)
	treeHead := w.get(ctx, srv.base, "/v1/ledger/tree-head")
	require.NoError(t, srv.stop(20*time.Second), srv.stderr.String())

	code, out, errOut := runBinary(t, nil, "verify", "--data", data, "--json")
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

	copied := copyDataOut(t, data)
	w.checkLog(ctx, copied, rep.Events)
	w.checkProjections(ctx, copied, views)
	t.Logf("%d power cuts: %d events, %d commands acknowledged, lost 0; %d answered only on a retry (%d of them written before a cut), "+
		"%d replays checked, %d tree heads given out and kept, %d unsynced bytes dropped, in %s",
		*powerLossCycles, rep.Events, len(w.acks), w.retried.Load(), w.retriedReplayed.Load(), w.replaysChecked.Load(),
		heads.count(), lostBytes, time.Since(started).Round(time.Millisecond))
}

// jwtSecretFile is where serve keeps the JWT secret it made, when LEDGER_JWT_SECRET is not set.
const jwtSecretFile = "jwt-secret"

// startPowerServe starts `ledger serve` on data, on the mount fs, and has the next power cut kill it
// at its instant. Its log is shown if the test fails.
func startPowerServe(t *testing.T, fs *lazyfs.FS, data string, extra ...string) *ledgerProc {
	t.Helper()
	srv := startServe(t, data, nil, extra...)
	proc := srv.cmd.Process
	fs.OnCrash(func() { _ = proc.Kill() })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ledger serve (pid %d) said:\n%s", proc.Pid, srv.stderr.String())
		}
	})
	return srv
}

// powerCutTargets are the files a power cut may be aimed at while they are being written: the
// store, the tree's checkpoint (saved every second) and the head log ("": any file).
var powerCutTargets = []string{"", "ledger.db", ledgertree.CheckpointFile, ledgertree.HeadsFile}

// powerCut cuts the power now, or (as often) at one of the next changes (writes, names made or
// removed) to the mount or to one of the files beside the store: a moment picked by the clock almost
// never falls between a write and its fsync, where what the mode keeps matters. It returns what the
// crash did and when it came.
func powerCut(fs *lazyfs.FS, mode lazyfs.Mode, rng *rand.Rand) (lazyfs.Stats, string) {
	if rng.IntN(3) == 0 {
		return fs.Crash(mode, rng), "at once"
	}
	to := powerCutTargets[rng.IntN(len(powerCutTargets))]
	n := 1 + rng.IntN(6) // the checkpoint is saved once a second in a few changes
	if to == "" || to == "ledger.db" {
		n = 1 + rng.IntN(20)
	}
	at := fmt.Sprintf("at change %d to %s", n, cmp.Or(to, "any file"))
	select {
	case st := <-fs.CrashAfter(n, to, mode, rng):
		return st, at
	case <-time.After(3 * time.Second):
		return fs.Crash(mode, rng), "3s waiting " + at
	}
}

// readKeyFiles returns the secret files of the data directory (jwt-secret, ledger-key) by name.
// They are read with read(2): the test process must not map files of its own mount.
func readKeyFiles(t *testing.T, data string) map[string][]byte {
	t.Helper()
	keys := map[string][]byte{}
	for _, name := range []string{jwtSecretFile, ledgertree.KeyFile} {
		b, err := os.ReadFile(filepath.Join(data, name))
		require.NoError(t, err, "%s must be there once a server has started", name)
		keys[name] = b
	}
	return keys
}

// copyDataOut copies the files of the data directory off the mount (with read(2)), for the test
// process to open: bbolt maps its file, and a fault on a page of the test's own FUSE mount could
// deadlock the Go runtime.
func copyDataOut(t *testing.T, data string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(data)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			copyFile(t, filepath.Join(data, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.Create(to)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}

// checkAcknowledged checks that the store in dir holds every command acknowledged so far as the
// event it was told of, at its position: the event's id is its own, and ledger verify has checked
// every event's hash chain. (checkLog, at the end, also compares hashes and looks for a command
// recorded twice; it decodes every event, too slow to do after every cut of a long run.)
func (w *crashWorld) checkAcknowledged(ctx context.Context, dir, where string) {
	t := w.t
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err, where)
	defer s.Close()
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err, where)
	w.mu.Lock()
	defer w.mu.Unlock()
	lost := 0
	for key, res := range w.acks {
		i := int(res.Position) - 1 // positions run 1, 2, 3 ... (ledger verify)
		if i < len(all) && all[i].Position == res.Position && all[i].ID.String() == res.EventID {
			continue
		}
		if lost++; lost <= 5 {
			t.Errorf("%s: command %s was acknowledged as event %s at position %d, which the log does not hold (%d events)",
				where, key, res.EventID, res.Position, len(all))
		}
	}
	if lost > 0 {
		t.Errorf("%s: %d of %d acknowledged commands lost", where, lost, len(w.acks))
	}
}

// headWatch asks the server for its signed tree head over and over, keeping every head it is given:
// each was stored in the head log before it was sent, so each must be there after a power cut.
type headWatch struct {
	w   *crashWorld
	mu  sync.Mutex
	got map[uint64]ledgertree.TreeHead // by tree size: one head per size
}

// watch runs until the clients are stopped.
func (h *headWatch) watch(ctx context.Context) {
	token := h.w.token(domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"})
	for !h.w.stop.Load() && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *h.w.base.Load()+"/v1/ledger/tree-head", nil)
		if err != nil {
			continue
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := h.w.http.Do(req)
		if err != nil {
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			continue
		}
		var head ledgertree.TreeHead
		if err := json.Unmarshal(body, &head); err != nil {
			h.w.t.Errorf("tree head %q: %v", body, err)
			continue
		}
		h.mu.Lock()
		if prev, seen := h.got[head.TreeSize]; seen && prev != head {
			h.w.t.Errorf("two heads given out for tree size %d: %+v and %+v", head.TreeSize, prev, head)
		}
		h.got[head.TreeSize] = head
		h.mu.Unlock()
	}
}

func (h *headWatch) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// check reads the head log in data and checks it holds every head given out.
func (h *headWatch) check(t *testing.T, data, where string) {
	t.Helper()
	stored, err := ledgertree.ReadHeads(filepath.Join(data, ledgertree.HeadsFile))
	require.NoError(t, err, "%s: the head log", where)
	kept := map[ledgertree.TreeHead]bool{}
	for _, s := range stored {
		kept[s] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for size, head := range h.got {
		assert.True(t, kept[head], "%s: the head given out for tree size %d is not in the head log (%d heads there)", where, size, len(stored))
	}
}
