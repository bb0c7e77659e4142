package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/audit"
	"assurance-ledger/auth"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// noCompare leaves out the comparison of answers, for a test about the log or the heads.
func noCompare(o *audit.Options) { o.NoCompare = true }

// registerVia records n providers in Q36 through l's API.
func registerVia(t *testing.T, l *ledger, prefix string, n int) {
	t.Helper()
	tok, err := auth.Mint(l.secret, domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(t, err)
	for i := range n {
		body := fmt.Sprintf(`{"ods_code":"%s%03d","name":"%s Trust %03d","kind":"provider","sha_code":"Q36"}`, prefix, i, prefix, i)
		req, err := http.NewRequest(http.MethodPost, l.http.URL+"/v1/organisations", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	}
}

// eventsOf reads the events of a stopped ledger's data directory.
func eventsOf(t *testing.T, dir string) []eventstore.RecordedEvent {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	events, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	return events
}

// holding is a data directory whose store holds events as given, with dir's signing key: what
// someone with the key and write access to the store could bring up in dir's place.
func holding(t *testing.T, dir string, events []eventstore.RecordedEvent) string {
	t.Helper()
	out := t.TempDir()
	s, err := boltstore.Open(filepath.Join(out, "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	demotest.AppendRecorded(t, s, events)
	require.NoError(t, s.Close())
	raw, err := os.ReadFile(filepath.Join(dir, ledgertree.KeyFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, ledgertree.KeyFile), raw, 0o600))
	return out
}

// rewrite changes event i's data and metadata (as JSON objects) and recomputes its hash: a
// correctly hashed event, chained to the one before it.
func rewrite(t *testing.T, events []eventstore.RecordedEvent, i int, data, meta func(map[string]any)) []eventstore.RecordedEvent {
	t.Helper()
	out := append([]eventstore.RecordedEvent(nil), events...)
	rec := out[i]
	var d, m map[string]any
	require.NoError(t, json.Unmarshal(rec.Data, &d))
	require.NoError(t, json.Unmarshal(rec.Metadata, &m))
	if data != nil {
		data(d)
	}
	if meta != nil {
		meta(m)
	}
	oldHash := m["hash"].(string)
	var err error
	rec.Data, err = json.Marshal(d)
	require.NoError(t, err)
	rec.Metadata, err = json.Marshal(m)
	require.NoError(t, err)
	h, err := eventcodec.ChainHash(m["prev_hash"].(string), rec.Type, rec.Data, rec.Metadata)
	require.NoError(t, err)
	rec.Metadata = bytes.Replace(rec.Metadata, []byte(oldHash), []byte(h), 1)
	out[i] = rec
	return out
}

// lastOfItsStream is the index of the last event of type typ that is also the last of its stream,
// so that changing it breaks no link after it.
func lastOfItsStream(t *testing.T, events []eventstore.RecordedEvent, typ string) int {
	t.Helper()
	last := map[string]int{}
	for i, e := range events {
		last[e.Stream] = i
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == typ && last[events[i].Stream] == i {
			return i
		}
	}
	t.Fatalf("no %s ends its stream", typ)
	return 0
}

// A sign-off forged by someone holding the store, correctly chained (a person who was never that
// organisation's chief executive), is caught by the audit, naming its position, and by ledger
// verify's check of the mirror: the authority ledger evidence holds a bundle to.
func TestAForgedSignOffIsTampering(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	l := serve(t, dir)
	l.stop()
	events := eventsOf(t, dir)
	i := lastOfItsStream(t, events, domain.TypeSROSignedOff)
	forged := rewrite(t, events, i,
		func(d map[string]any) { d["person_id"] = "p-mallory" },
		func(m map[string]any) { m["actor"].(map[string]any)["person_id"] = "p-mallory" })
	l = serve(t, holding(t, dir, forged))

	state := t.TempDir()
	rep, err := l.audit(state)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1, "%v", rep.Findings)
	f := rep.Findings[0]
	assert.Equal(t, audit.KindUnauthorised, f.Kind)
	assert.Equal(t, events[i].Position, f.Position)
	assert.Equal(t, events[i].ID.String(), f.EventID)
	assert.Contains(t, f.Reason, "p-mallory")
	assert.Equal(t, audit.StatusTampering, rep.Status)
	assert.Positive(t, rep.AnswersCompared, "the answers are still compared")

	mirror, err := boltstore.Open(filepath.Join(state, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	defer mirror.Close()
	vr, err := verify.Chains(context.Background(), mirror)
	require.NoError(t, err)
	require.Len(t, vr.Findings, 1)
	assert.Equal(t, events[i].Position, vr.Findings[0].Position)
	assert.Contains(t, vr.Findings[0].Reason, "signed by p-mallory")
	assert.Contains(t, vr.Findings[0].Reason, "do not show as chief executive")
}

// An event this build cannot decode (a newer schema version), correctly chained, is a finding,
// and every answer is still compared as of the position before it. The server (this build, which
// would not start on such a log) is the proxy: it serves the changed event in the feed and a head
// of the log holding it, signed with the ledger's key; the ledger behind it signed a head before
// that event, as the one it stands for would have, which bundles as of that position are under.
func TestAnUndecodableEventIsAFindingAndTheRestIsCompared(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	events := eventsOf(t, dir)
	l := serveSignedAt(t, dir, len(events)-1)
	i := len(events) - 1
	changed := rewrite(t, events, i, nil, func(m map[string]any) { m["schema_version"] = 9 })
	tree := ledgertree.NewTree()
	for _, rec := range changed {
		leaf, ok, err := ledgertree.LeafOf(rec)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = tree.Append(leaf)
		require.NoError(t, err)
	}
	root, err := tree.Root(tree.Size())
	require.NoError(t, err)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	head := signer.Sign(tree.Size(), root, time.Now())

	lp := lyingProxy(t, l)
	lp.rewrite = func(r *http.Request, body []byte) []byte {
		switch r.URL.Path {
		case "/v1/ledger/tree-head":
			out, _ := json.Marshal(head)
			return out
		case "/v1/audit/events":
			var p api.StoredEventsPage
			require.NoError(t, jsonv1.Unmarshal(body, &p))
			for k := range p.Events {
				if p.Events[k].Position == changed[i].Position {
					p.Events[k].Metadata = changed[i].Metadata
				}
			}
			out, err := jsonv1.Marshal(p)
			require.NoError(t, err)
			return out
		}
		return body
	}
	rep, err := lp.audit(l, t.TempDir(), func(o *audit.Options) { o.MaxHeadAge = -1 })
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1, "%v", rep.Findings)
	f := rep.Findings[0]
	assert.Equal(t, audit.KindBadEvent, f.Kind)
	assert.Equal(t, events[i].Position, f.Position)
	assert.Contains(t, f.Reason, "cannot be decoded")
	assert.Equal(t, events[i].Position-1, rep.ComparedAsOf)
	assert.GreaterOrEqual(t, rep.AnswersCompared, sampleSize)
	assert.Zero(t, rep.DifferencesTotal, "%v", rep.Differences)
}

// A server whose signed tree departs from the mirror and refuses every proof the search for the
// departure needs gets a finding naming the range, not a leaf its refusals would blame; answering,
// the search names the event.
func TestARefusedProofDoesNotChooseTheDeparture(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	l := serve(t, dir)
	state := t.TempDir()
	first, err := l.audit(state, noCompare)
	require.NoError(t, err)
	require.Equal(t, audit.StatusClean, first.Status)
	l.stop()
	events := eventsOf(t, dir)
	i := 400
	for events[i].Type != domain.TypeSROSignedOff {
		i++
	}
	altered := rewrite(t, events, i, func(d map[string]any) { d["statement"] = d["statement"].(string) + " (amended)" }, nil)
	l = serve(t, holding(t, dir, altered))

	copyOf := func() string {
		out := t.TempDir()
		entries, err := os.ReadDir(state)
		require.NoError(t, err)
		for _, e := range entries {
			raw, err := os.ReadFile(filepath.Join(state, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(out, e.Name()), raw, 0o600))
		}
		return out
	}
	lp := lyingProxy(t, l)
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/ledger/proofs/consistency" {
			http.Error(w, `{"title":"no"}`, http.StatusBadRequest)
			return true
		}
		return false
	})
	rep, err := lp.audit(l, copyOf(), noCompare)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Nil(t, rep.Findings[0].Leaf, "no leaf is blamed: %s", rep.Findings[0].Reason)
	assert.Contains(t, rep.Findings[0].Reason, "refused the proof")
	assert.Equal(t, audit.StatusTampering, rep.Status)

	rep, err = l.audit(copyOf(), noCompare)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	require.NotNil(t, rep.Findings[0].Leaf)
	assert.EqualValues(t, i, *rep.Findings[0].Leaf, rep.Findings[0].Reason)
	assert.Equal(t, events[i].ID.String(), rep.Findings[0].EventID)
}

// Heads signed by the ledger's key whose times do not rise with their sizes are tampering; a
// newest head older than --max-head-age leaves the audit incomplete.
func TestHeadTimesRiseAndTheNewestIsFresh(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	l := serve(t, dir)
	state := t.TempDir()
	first, err := l.audit(state, noCompare)
	require.NoError(t, err)
	require.Equal(t, audit.StatusClean, first.Status)

	stale, err := l.audit(t.TempDir(), noCompare, func(o *audit.Options) { o.MaxHeadAge = time.Nanosecond })
	require.NoError(t, err)
	assert.Equal(t, audit.StatusIncomplete, stale.Status)
	require.Len(t, stale.Unanswered, 1)
	assert.Contains(t, stale.Unanswered[0].Reason, "--max-head-age")

	// The server grows, then serves its real tree's head signed with its key at an old time.
	registerVia(t, l, "ZT", 2)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	lp := lyingProxy(t, l)
	lp.rewrite = resignedAt(t, signer, func() time.Time { return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) })
	rep, err := lp.audit(l, state, noCompare, func(o *audit.Options) { o.MaxHeadAge = -1 })
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, audit.KindBadHead, rep.Findings[0].Kind)
	assert.Contains(t, rep.Findings[0].Reason, "do not rise")
	assert.Equal(t, audit.StatusTampering, rep.Status)
}

// Two auditors shown forks of different sizes: their heads cannot be compared root to root;
// without a proof or a mirror holding both sizes the pair is "not checked"; the fork's server
// cannot prove its larger tree extends the other's head; a mirror holding both sizes shows it.
func TestCompareHeadsOfDifferentSizes(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	_, err := ledgertree.LoadSigner(dir) // one key for both forks
	require.NoError(t, err)
	forkDir := holding(t, dir, eventsOf(t, dir))
	a, b := serve(t, dir), serve(t, forkDir)
	registerVia(t, a, "ZA", 1)
	registerVia(t, b, "ZB", 2)
	stateA, stateB := t.TempDir(), t.TempDir()
	for _, s := range []struct {
		l     *ledger
		state string
	}{{a, stateA}, {b, stateB}} {
		rep, err := s.l.audit(s.state, noCompare)
		require.NoError(t, err)
		require.Equal(t, audit.StatusClean, rep.Status, "%v %v", rep.Findings, rep.Unanswered)
	}
	headsA, headsB := filepath.Join(stateA, ledgertree.HeadsFile), filepath.Join(stateB, ledgertree.HeadsFile)
	key, _, err := audit.PinnedKey(stateA)
	require.NoError(t, err)
	ctx := context.Background()

	sv, err := audit.CompareHeads(ctx, headsA, headsB, key, "", nil)
	require.NoError(t, err)
	assert.True(t, sv.OK())
	assert.False(t, sv.Complete(), "a pair of different sizes is not checked without a proof")
	require.Len(t, sv.Unchecked, 1)

	sv, err = audit.CompareHeads(ctx, headsA, headsB, key, stateA, nil)
	require.NoError(t, err)
	assert.False(t, sv.Complete(), "A's mirror is smaller than B's head")

	prove, err := audit.ServerProver(b.http.URL, b.token())
	require.NoError(t, err)
	sv, err = audit.CompareHeads(ctx, headsA, headsB, key, "", prove)
	require.NoError(t, err)
	require.Len(t, sv.Findings, 1, "the fork's proof does not verify against A's root")
	assert.Equal(t, 1, sv.Proved)

	prove, err = audit.ServerProver(a.http.URL, a.token())
	require.NoError(t, err)
	sv, err = audit.CompareHeads(ctx, headsA, headsB, key, "", prove)
	require.NoError(t, err)
	assert.True(t, sv.OK())
	assert.False(t, sv.Complete(), "A's server has no tree of B's size to prove")

	sv, err = audit.CompareHeads(ctx, headsA, headsB, key, stateB, nil)
	require.NoError(t, err)
	require.Len(t, sv.Findings, 1, "B's mirror holds A's size")
	assert.True(t, sv.Complete())
}

// A second head given in one run (the audit asks again once it has mirrored) must verify and
// extend the first: one smaller than the first, or with a signature that does not verify, is
// tampering, not ignored.
func TestASecondHeadInARunIsHeldToTheFirst(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	events := eventsOf(t, dir)
	l := serve(t, dir)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	tree := ledgertree.NewTree()
	for _, rec := range events[:len(events)-1] {
		leaf, ok, err := ledgertree.LeafOf(rec)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = tree.Append(leaf)
		require.NoError(t, err)
	}
	smallerRoot, err := tree.Root(tree.Size())
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		second func(ledgertree.TreeHead) ledgertree.TreeHead
		kind   string
	}{
		{"smaller", func(ledgertree.TreeHead) ledgertree.TreeHead {
			return signer.Sign(tree.Size(), smallerRoot, time.Now().Add(time.Minute))
		}, audit.KindTruncated},
		{"bad signature", func(h ledgertree.TreeHead) ledgertree.TreeHead {
			h.Signature = strings.Repeat("A", len(h.Signature)-4) + "AA=="
			return h
		}, audit.KindBadHead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lp := lyingProxy(t, l)
			var heads atomic.Int32
			lp.rewrite = func(r *http.Request, body []byte) []byte {
				if r.URL.Path != "/v1/ledger/tree-head" {
					return body
				}
				if heads.Add(1) < 2 {
					return body
				}
				var h ledgertree.TreeHead
				require.NoError(t, json.Unmarshal(body, &h))
				out, _ := json.Marshal(tc.second(h))
				return out
			}
			rep, err := lp.audit(l, t.TempDir(), noCompare)
			require.NoError(t, err)
			require.EqualValues(t, 2, heads.Load(), "the audit asked for the head twice")
			require.NotEmpty(t, rep.Findings)
			assert.Equal(t, tc.kind, rep.Findings[0].Kind, rep.Findings[0].Reason)
			assert.Equal(t, audit.StatusTampering, rep.Status)
		})
	}
}

// A head dated after the auditor's clock is not fresh: such a head would never grow older than
// --max-head-age, and a server serving it could hide whatever it records after it, audit after
// audit. The audit is incomplete, saying so, on the first audit and on the next.
func TestAHeadDatedInTheFutureIsNotFresh(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	l := serve(t, dir)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	lp := lyingProxy(t, l)
	lp.rewrite = resignedAt(t, signer, func() time.Time { return time.Now().Add(24 * time.Hour) })
	state := t.TempDir()
	for range 2 {
		rep, err := lp.audit(l, state, noCompare)
		require.NoError(t, err)
		assert.Equal(t, audit.StatusIncomplete, rep.Status, "%v", rep.Findings)
		require.Len(t, rep.Unanswered, 1)
		assert.Contains(t, rep.Unanswered[0].Reason, "after the auditor's clock")
	}
}

// Events the feed gives past every head the server signs are not certified: a server whose head
// stops short of its feed (a true head of an earlier size, dated now) leaves the audit incomplete,
// naming how many events no signed head holds, after asking for its head again for a while.
func TestEventsPastTheNewestSignedHeadAreNotCertified(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	l := serve(t, dir)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), l.store))
	tree := f.Tree()
	short := tree.Size() - 5
	root, err := tree.Root(short)
	require.NoError(t, err)
	lp := lyingProxy(t, l)
	lp.rewrite = func(r *http.Request, body []byte) []byte {
		if r.URL.Path != "/v1/ledger/tree-head" {
			return body
		}
		out, _ := json.Marshal(signer.Sign(short, root, time.Now()))
		return out
	}
	rep, err := lp.audit(l, t.TempDir(), noCompare)
	require.NoError(t, err)
	assert.Equal(t, audit.StatusIncomplete, rep.Status, "%v", rep.Findings)
	assert.Equal(t, tree.Size(), rep.TreeSize)
	require.NotNil(t, rep.Head)
	assert.Equal(t, short, rep.Head.TreeSize)
	require.Len(t, rep.Unanswered, 1)
	assert.Contains(t, rep.Unanswered[0].Reason, "the 5 past the largest head the mirror matched")
}

// A head of 0 leaves is the empty tree's: one signed with another root is no tree's head, whether
// two auditors compare it or an audit is given it.
func TestAHeadOfNoLeavesHasTheEmptyRoot(t *testing.T) {
	t.Parallel()
	dir := seed(t)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	other := make([]byte, 32)
	other[0] = 1
	files := t.TempDir()
	write := func(name string, hs ...ledgertree.TreeHead) string {
		var raw []byte
		for _, h := range hs {
			line, err := json.Marshal(h)
			require.NoError(t, err)
			raw = append(append(raw, line...), '\n')
		}
		path := filepath.Join(files, name)
		require.NoError(t, os.WriteFile(path, raw, 0o600))
		return path
	}
	now := time.Now()
	empty := write("empty", signer.Sign(0, ledgertree.Hasher.EmptyRoot(), now))
	bogus := write("bogus", signer.Sign(0, other, now))
	ctx := context.Background()
	three := write("three", signer.Sign(3, other, now))
	sv, err := audit.CompareHeads(ctx, three, empty, signer.PublicKey(), "", nil)
	require.NoError(t, err)
	assert.True(t, sv.OK(), "%v", sv.Findings)
	assert.True(t, sv.Complete(), "the empty tree is a prefix of every tree")
	sv, err = audit.CompareHeads(ctx, three, bogus, signer.PublicKey(), "", nil)
	require.NoError(t, err)
	require.Len(t, sv.Findings, 1)
	assert.Equal(t, audit.KindBadHead, sv.Findings[0].Kind)
	assert.Contains(t, sv.Findings[0].Reason, "empty tree")
}

// A head line torn by a crash while an audit appended it (the file its new size, the line cut
// short) is cut off before the next head is appended, rather than glued to it: the heads file
// stays readable, by the next audit and by ledger verify.
func TestATornHeadLineIsCutBeforeTheNextHead(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	state := t.TempDir()
	rep, err := l.audit(state, noCompare)
	require.NoError(t, err)
	require.Equal(t, audit.StatusClean, rep.Status)
	path := filepath.Join(state, ledgertree.HeadsFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"tree_size":16`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	registerVia(t, l, "ZT", 1)
	rep, err = l.audit(state, noCompare)
	require.NoError(t, err)
	require.Equal(t, audit.StatusClean, rep.Status, "%v %v", rep.Findings, rep.Unanswered)
	heads, err := ledgertree.ReadHeads(path)
	require.NoError(t, err)
	require.Len(t, heads, 2)
	assert.Equal(t, *rep.Head, heads[1])
	rep, err = l.audit(state, noCompare)
	require.NoError(t, err)
	assert.Equal(t, audit.StatusClean, rep.Status)
}

// resignedAt is a lying proxy's rewrite serving the server's true tree head signed again with its
// key, dated at().
func resignedAt(t *testing.T, signer *ledgertree.Signer, at func() time.Time) func(*http.Request, []byte) []byte {
	return func(r *http.Request, body []byte) []byte {
		if r.URL.Path != "/v1/ledger/tree-head" {
			return body
		}
		var h ledgertree.TreeHead
		require.NoError(t, json.Unmarshal(body, &h))
		root, err := hex.DecodeString(h.RootHash)
		require.NoError(t, err)
		out, _ := json.Marshal(signer.Sign(h.TreeSize, root, at()))
		return out
	}
}
