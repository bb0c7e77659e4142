package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"assurance-ledger/auth"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// mirrorPageSize is the page size of the mirror's store: it is written a few MiB a commit, and
// bbolt writes each page with a call of its own, but inserts into the middle of a page by moving
// what follows. Mirroring the 1M-event bench log took 42.2 s of CPU with 4 KiB pages, 38.8 s with
// 16 KiB and 43.6 s with 64 KiB (7 December 2026).
const mirrorPageSize = 16 << 10

// mirrorMmapSize is how much of the mirror's store is mapped from the start: a mirror grows from
// nothing to a GiB or two, and each time bbolt maps more of a growing file it copies out every page
// the commit under way has changed (doubling the map from 32 KiB, 15 times to reach 1 GiB).
const mirrorMmapSize = 1 << 30

// Options are what an audit is run with.
type Options struct {
	// URL is the ledger's base address; Token a bearer token of any role (every role reads).
	URL, Token string
	// State is the auditor's directory: the mirror, its tree, the heads and what audits found.
	State string
	// PublicKey, when set, is the ledger's key as the auditor obtained it; it must be the key pinned
	// in State, if one is. nil: the pinned key, or on a first audit the server's (pinned then).
	PublicKey ed25519.PublicKey
	// Page is how many events each request of the feed asks for (at most 1000; default 1000).
	Page int
	// Recheck re-reads every event mirrored by earlier audits and compares it, byte for byte, with
	// the mirror: an event altered in place on the server, under a tree that still has it as it
	// was, shows only this way.
	Recheck bool
	// NoCompare skips comparing the server's answers with the mirror's.
	NoCompare bool
	// Progress receives a line about once a second while the mirror runs, and the audit's steps;
	// Differences a line per difference as it is found. nil: none.
	Progress    io.Writer
	Differences io.Writer
	// MaxHeadAge flags a server whose newest signed head is older than this (0: DefaultMaxHeadAge;
	// negative: not checked): a server that stops signing can hide what it records since.
	MaxHeadAge time.Duration
	// RetryFor bounds how long one question is retried as the server asks (429 or 503 with
	// Retry-After) before it is left unanswered (0: two minutes).
	RetryFor time.Duration
	// HTTPClient talks to the server; nil: a default one.
	HTTPClient *http.Client

	// sample narrows the questions compared. Comparing every answer is most of an audit's time, and
	// the package's tests, which audit many ledgers, compare a sample (export_test.go) except under
	// LEDGER_TEST_THOROUGH=1; ledger audit has no way to set it.
	sample func([]question) []question
}

// Run audits the ledger at o.URL into o.State: it mirrors and checks the log, holds the server's
// signed heads to the mirror and to what earlier audits matched, and compares the server's
// published answers with the mirror's own. The report, always given, says what was found and
// concludes (Report.Status); an error means the audit could not be run or finished, which is no
// finding against the ledger but certifies nothing either.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{URL: o.URL, Findings: []Finding{}, Differences: []Difference{}, Unanswered: []Unanswered{}}
	err := run(ctx, o, rep)
	rep.Conclude(err)
	return rep, err
}

// ErrPage is a --page outside 1 to 1000.
var ErrPage = errors.New("--page must be 1 to 1000 events a request")

func run(ctx context.Context, o Options, rep *Report) error {
	if o.State == "" {
		return errors.New("--state is required: the directory the auditor's copy of the log is kept in")
	}
	switch {
	case o.Page == 0:
		o.Page = 1000
	case o.Page < 0 || o.Page > 1000:
		return ErrPage
	}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "audit: "+format+"\n", args...)
		}
	}
	c, err := newClient(o.URL, o.Token, o.HTTPClient)
	if err != nil {
		return err
	}
	if o.RetryFor > 0 {
		c.retryFor = o.RetryFor
	}
	if err := notALedger(o.State); err != nil {
		return err
	}
	if err := checkStateDir(o.State); err != nil {
		return err
	}
	if err := os.MkdirAll(o.State, 0o700); err != nil {
		return fmt.Errorf("state directory %s: %w", o.State, err)
	}
	// Marked before the store is made in it, so that a first audit stopped at any point leaves a
	// directory the next one (and checkStateDir) knows for a mirror.
	if err := markMirror(o.State); err != nil {
		return err
	}
	st, err := readState(o.State)
	if err != nil {
		return err
	}
	// The mirror is opened first, so that whatever stops the audit the report says what it holds.
	store, err := boltstore.Open(filepath.Join(o.State, storeFileName), boltstore.Options{Timeout: 50 * time.Millisecond, PageSize: mirrorPageSize, InitialMmapSize: mirrorMmapSize})
	if errors.Is(err, boltstore.ErrLocked) {
		return fmt.Errorf("%s is in use by another process (another ledger audit on this --state?)", o.State)
	}
	if err != nil {
		return fmt.Errorf("the mirror in %s: %w", o.State, err)
	}
	defer store.Close()
	held, err := store.Head(ctx)
	if err != nil {
		return err
	}
	ix, tree, err := openIndex(o.State, held)
	if err != nil {
		return err
	}
	defer ix.close()
	defer func() {
		rep.EventsHeld, rep.TreeSize, rep.ServerPosition = tree.Size(), tree.Size(), ix.last()
		if root, err := tree.Root(tree.Size()); err == nil {
			rep.RootHash = hex.EncodeToString(root)
		}
	}()
	if err := checkLastLeaf(ctx, store, tree); err != nil {
		return fmt.Errorf("the mirror in %s: %w", o.State, err)
	}
	rep.PreviousHead = st.Head

	key, err := pinnedKey(ctx, c, o, rep, say)
	if err != nil || len(rep.Findings) > 0 {
		return err
	}
	hs := &heads{c: c, key: key, tree: tree, describe: describeLeaf(c, store, tree, ix)}
	found := func(f *Finding) bool {
		if f != nil {
			rep.Findings = append(rep.Findings, *f)
		}
		return f != nil
	}
	// keepUnanswered keeps a proof the server refused and lets the audit go on: the mirror's own tree
	// then stands in for the proof.
	keepUnanswered := func(err error) error {
		var u *unanswered
		if errors.As(err, &u) {
			rep.Unanswered = append(rep.Unanswered, u.Unanswered)
			return nil
		}
		return err
	}

	// The server's head now must extend the one earlier audits matched, and be signed after it.
	head, bad, err := hs.current(ctx)
	if err != nil || found(bad) {
		return err
	}
	if found(risesWith(st.Head, head)) {
		return nil
	}
	if why := stale(head, o.MaxHeadAge, time.Now()); why != "" {
		rep.Unanswered = append(rep.Unanswered, Unanswered{Query: "/v1/ledger/tree-head", Reason: why})
	}
	verified := uint64(0)
	if st.Head != nil {
		verified = st.Head.TreeSize
		say("checking the server's head (%d leaves) against the head of %d leaves the last audit matched", head.TreeSize, st.Head.TreeSize)
		f, err := hs.consistent(ctx, *st.Head, head)
		if err := keepUnanswered(err); err != nil || found(f) {
			return err
		}
	}

	// The log itself, from where the mirror ends.
	say("mirroring from server position %d (the mirror holds %d events)", ix.last()+1, held)
	start := time.Now()
	lastSaid := start
	m := &mirror{c: c, store: store, tree: tree, ix: ix, page: o.Page, chains: map[string]link{}, fresh: held == 0,
		progress: func(mirrored, at, headPos uint64) {
			if now := time.Now(); now.Sub(lastSaid) >= time.Second {
				lastSaid = now
				say("mirrored %d events (server position %d of %d), %.0f events/s", mirrored, at, headPos, rate(mirrored, now.Sub(start)))
			}
		}}
	bad, err = m.run(ctx)
	rep.EventsMirrored = m.mirrored
	rep.MirrorSeconds = time.Since(start).Seconds()
	rep.MirrorEventsPerSec = rate(m.mirrored, time.Since(start))
	if err != nil || found(bad) {
		return err
	}
	say("mirrored %d events in %.1f s (%.0f events/s); the mirror holds %d", m.mirrored, rep.MirrorSeconds, rep.MirrorEventsPerSec, tree.Size())

	// The head the audit began with, and the server's head now, must be the mirror's tree; a
	// second head must verify, extend the first and be signed no earlier.
	if f, err := hs.matches(ctx, verified, head); err != nil || found(f) {
		return err
	}
	matched, later := head, head
	if f, err := hs.attest(ctx, &matched, &later, rep, keepUnanswered); err != nil || found(f) {
		return err
	}
	if err := keepHeads(o.State, matched); err != nil {
		return err
	}
	if st.Head == nil || matched.TreeSize >= st.Head.TreeSize {
		st.Head = &matched
	}
	rep.Head = &matched
	st.URL, st.KeyID, st.Audits, st.UpdatedAt = o.URL, ledgertree.KeyID(key), st.Audits+1, time.Now().UTC()
	if err := writeState(o.State, st); err != nil {
		return err
	}
	say("the server's signed head of %d leaves (root %s) is the mirror's tree", matched.TreeSize, matched.RootHash)

	if o.Recheck && held > 0 {
		say("re-reading the %d events earlier audits mirrored", held)
		f, n, err := recheck(ctx, c, store, ix, held, o.Page)
		rep.Rechecked = n
		if err != nil || found(f) {
			return err
		}
	}

	// A sign-off chained and hashed like any other can still be one the rules never allowed.
	var local eventstore.Store = store
	if !ix.identical {
		local = &remapped{inner: store, pos: ix}
	}
	forged, err := verify.Authority(ctx, local)
	if err != nil {
		return err
	}
	for _, f := range forged {
		rep.Findings = append(rep.Findings, Finding{Kind: KindUnauthorised, Position: f.Position, Stream: f.Stream, Revision: f.Revision,
			EventID: f.EventID, Type: f.Type, Reason: f.Reason + ": its hashes chain, but the ledger's rules would never have recorded it"})
	}

	if !o.NoCompare && ix.last() > 0 {
		start := time.Now()
		err := compareAnswers(ctx, c, store, ix, &bundleCheck{key: key, tree: tree, store: store, pos: ix, c: c}, o, rep, say)
		rep.CompareSeconds = time.Since(start).Seconds()
		return err
	}
	return nil
}

// attest holds the server's head at the end of the mirror to the first (*matched, which it
// moves on to the largest head the mirror's tree matches; *later is the newest head read): it
// must verify, be signed no earlier, extend the first and, where the mirror holds its size, be the
// mirror's tree. And every event mirrored must lie under a head the server signed: the server
// signs its tree's head whenever asked, and its tree follows its log a moment behind, so the head
// is asked again for a few seconds; events no signed head holds leave the audit incomplete, and a
// signed tree larger than the mirror's that is not shown to extend it is a departure.
func (hs *heads) attest(ctx context.Context, matched, later *ledgertree.TreeHead, rep *Report, keepUnanswered func(error) error) (*Finding, error) {
	head, size := *matched, hs.tree.Size()
	// A head from the future is said once: the run's first head was held to the clock already.
	future := stale(head, -1, time.Now()) != ""
	for try := 0; ; try++ {
		next, bad, err := hs.current(ctx)
		if err != nil || bad != nil {
			return bad, err
		}
		if f := risesWith(later, next); f != nil {
			return f, nil
		}
		if why := stale(next, -1, time.Now()); why != "" && !future {
			future = true
			rep.Unanswered = append(rep.Unanswered, Unanswered{Query: "/v1/ledger/tree-head", Reason: why})
		}
		if f, err := hs.consistent(ctx, *matched, next); err != nil || f != nil {
			if err = keepUnanswered(err); err != nil || f != nil {
				return f, err
			}
		}
		if next.TreeSize > matched.TreeSize && next.TreeSize <= size {
			if f, err := hs.matches(ctx, matched.TreeSize, next); err != nil || f != nil {
				return f, err
			}
			*matched = next
		}
		*later = next
		if matched.TreeSize >= size {
			return nil, nil
		}
		if next.TreeSize > size {
			agree, err := hs.agreesAt(ctx, size, next)
			var u *unanswered
			switch {
			case errors.As(err, &u):
				rep.Unanswered = append(rep.Unanswered, u.Unanswered)
				return nil, nil
			case err != nil:
				return nil, err
			case agree:
				return nil, nil
			}
			return hs.departure(ctx, matched.TreeSize, size, next, KindDeparture,
				fmt.Sprintf("the server's signed tree of %d leaves does not extend the %d events its feed gave", next.TreeSize, size))
		}
		if try == headRetries {
			rep.Unanswered = append(rep.Unanswered, Unanswered{Query: "/v1/ledger/tree-head", Reason: fmt.Sprintf(
				"the server's newest signed head has %d leaves, but its feed gave %d events: the %d past the largest head the mirror matched (%d leaves) were checked and compared, but no head the ledger signed holds them",
				next.TreeSize, size, size-matched.TreeSize, matched.TreeSize)})
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(headRetryEvery):
		}
	}
}

// notALedger refuses a ledger's own data directory as a state directory (a mistyped --state): the
// mirror's marker would have ledger serve refuse it from then on. A ledger's directory holds its
// signing key or its token secret; a mirror, which is made by an audit, holds neither.
func notALedger(dir string) error {
	if IsStateDir(dir) {
		return nil
	}
	for _, secret := range []string{ledgertree.KeyFile, auth.SecretFile} {
		if _, err := os.Stat(filepath.Join(dir, secret)); err == nil {
			return fmt.Errorf("%s is a ledger's data directory (it holds %s), not an auditor's: give ledger audit a --state directory of its own", dir, secret)
		}
	}
	return nil
}

// checkLastLeaf checks the tree rebuilt from the index against the mirror's store: its last leaf
// is the store's last event, with that event's hash.
func checkLastLeaf(ctx context.Context, store *boltstore.Store, tree *ledgertree.Tree) error {
	n := tree.Size()
	if n == 0 {
		return nil
	}
	recs, err := store.ReadAll(ctx, n-1, 1)
	if err != nil {
		return err
	}
	leaf, ok, err := ledgertree.LeafOf(recs[0])
	id, _, _ := tree.Leaf(n - 1)
	if err != nil || !ok || leaf.EventID != id {
		return fmt.Errorf("its index does not match its store at event %d: the state directory is damaged; start a new --state directory", n)
	}
	want, _ := tree.LeafHash(n - 1)
	if got := ledgertree.Hasher.HashLeaf(leaf.Hash[:]); string(got) != string(want) {
		return fmt.Errorf("its index has another hash than its store for event %d: the state directory is damaged; start a new --state directory", n)
	}
	return nil
}

// pinnedKey is the key every head is checked with: the one pinned in the state directory, which
// --public-key must equal; else --public-key; else, on a first audit, the server's own (trust on
// first use). The server's key must be the pinned one: a server signing with another key is a
// finding.
func pinnedKey(ctx context.Context, c *client, o Options, rep *Report, say func(string, ...any)) (ed25519.PublicKey, error) {
	pinned, ok, err := PinnedKey(o.State)
	if err != nil {
		return nil, err
	}
	var doc publicKeyDoc
	if err := c.getJSON(ctx, "/v1/ledger/public-key", &doc); err != nil {
		return nil, err
	}
	served, err := ledgertree.ParsePublicKey(doc.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("the server's public key: %w", err)
	}
	switch {
	case ok && o.PublicKey != nil && !o.PublicKey.Equal(pinned):
		return nil, fmt.Errorf("--public-key %s is not the key %s pinned in %s: audit this ledger with the pinned key, or another ledger in another --state directory",
			ledgertree.KeyID(o.PublicKey), ledgertree.KeyID(pinned), o.State)
	case ok:
		rep.KeyPinned = "state"
	case o.PublicKey != nil:
		pinned, rep.KeyPinned = o.PublicKey, "flag"
	default:
		pinned, rep.KeyPinned = served, "first_use"
	}
	rep.KeyID = ledgertree.KeyID(pinned)
	if !served.Equal(pinned) {
		rep.Findings = append(rep.Findings, Finding{Kind: KindBadHead,
			Reason: fmt.Sprintf("the server signs with key %s, not the ledger's key %s", ledgertree.KeyID(served), ledgertree.KeyID(pinned))})
		return pinned, nil
	}
	if !ok {
		if err := pinKey(o.State, pinned); err != nil {
			return nil, err
		}
		if rep.KeyPinned == "first_use" {
			say("pinned the server's key %s on first use: compare it with the key the ledger's operator publishes, or give --public-key", rep.KeyID)
		}
	}
	return pinned, nil
}
