package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"assurance-ledger/api"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/durable"
	"assurance-ledger/ledgertree"
)

// The server commits to its log by signing tree heads. An audit holds every head it is given to
// the mirror's own tree and to the last head an earlier audit matched: a server that rewrote,
// truncated or forked its log cannot sign heads that pass both, and where it departs is found by
// asking it for its signed root at sizes in between, which it cannot sign for a tree it does not
// have.

// heads reads and checks the server's heads for one audit.
type heads struct {
	c    *client
	key  ed25519.PublicKey
	tree *ledgertree.Tree
	// describe names the mirror's leaf i: its event, and where the server has it.
	describe func(ctx context.Context, leaf uint64) Finding
}

// current is the server's signed head now.
func (h *heads) current(ctx context.Context) (ledgertree.TreeHead, *Finding, error) {
	var th ledgertree.TreeHead
	if err := h.c.getJSON(ctx, "/v1/ledger/tree-head", &th); err != nil {
		return th, nil, err
	}
	if err := ledgertree.VerifyTreeHead(h.key, th); err != nil {
		return th, &Finding{Kind: KindBadHead, Reason: fmt.Sprintf("the server's tree head of %d leaves does not verify with the pinned key %s: %v", th.TreeSize, ledgertree.KeyID(h.key), err),
			Heads: []ledgertree.TreeHead{th}}, nil
	}
	if why := notATree(th); why != "" {
		return th, &Finding{Kind: KindBadHead, Reason: "the server's tree head: " + why, Heads: []ledgertree.TreeHead{th}}, nil
	}
	return th, nil, nil
}

// DefaultMaxHeadAge is how old the server's newest signed head may be before an audit says it
// cannot tell whether the log it was shown is the whole log. A ledger signs a new head whenever its
// log grows, so only a ledger idle for longer has an older one: its auditor gives a larger
// --max-head-age.
const DefaultMaxHeadAge = 7 * 24 * time.Hour

// MaxClockSkew is how far after the auditor's clock a head may be dated: a head dated later would
// never grow older than --max-head-age, so a server could serve it audit after audit while hiding
// what it records after it.
const MaxClockSkew = 5 * time.Minute

// stale is why head is too old to show the server's log as it stands now, or dated too far after
// now to be held to any age ("" when neither). A head from the future is not fresh, whatever
// maxAge says.
func stale(head ledgertree.TreeHead, maxAge time.Duration, now time.Time) string {
	signed, err := time.Parse(time.RFC3339, head.Timestamp)
	if err != nil {
		return ""
	}
	if signed.Sub(now) > MaxClockSkew {
		return fmt.Sprintf("the server's signed head (%d leaves) is dated %s, more than %s after the auditor's clock (%s): a head from the future never ages, so a server could hide behind it what it records after it; "+
			"if the auditor's clock is behind, set it right and audit again", head.TreeSize, head.Timestamp, MaxClockSkew, now.UTC().Format(time.RFC3339))
	}
	if maxAge < 0 {
		return ""
	}
	if maxAge == 0 {
		maxAge = DefaultMaxHeadAge
	}
	if now.Sub(signed) <= maxAge {
		return ""
	}
	return fmt.Sprintf("the server's newest signed head (%d leaves) was signed at %s, more than --max-head-age %s ago: a server can hide what it recorded since by serving an old head; "+
		"an idle ledger signs no new head, so give a larger --max-head-age if the ledger has been idle", head.TreeSize, head.Timestamp, maxAge)
}

// risesWith is a finding if head, a later head than prev, has a larger tree but an earlier
// timestamp: a ledger signs each size once, when its tree reaches it, so its heads' timestamps
// rise with their sizes, and a head of a larger tree signed earlier was not signed as the ledger
// says it signs heads.
func risesWith(prev *ledgertree.TreeHead, head ledgertree.TreeHead) *Finding {
	if prev == nil || head.TreeSize <= prev.TreeSize {
		return nil
	}
	was, err1 := time.Parse(time.RFC3339, prev.Timestamp)
	now, err2 := time.Parse(time.RFC3339, head.Timestamp)
	if err1 != nil || err2 != nil || !now.Before(was) {
		return nil
	}
	return &Finding{Kind: KindBadHead, Heads: []ledgertree.TreeHead{*prev, head},
		Reason: fmt.Sprintf("the server's head of %d leaves is signed at %s, before its head of %d leaves (signed at %s): its heads' times do not rise with their sizes",
			head.TreeSize, head.Timestamp, prev.TreeSize, prev.Timestamp)}
}

// unanswered is a question the server refused or failed: no finding, but nothing certified.
type unanswered struct{ Unanswered }

func (u *unanswered) Error() string { return u.Query + ": " + u.Reason }

// agreesAt reports whether the server's tree at size is the mirror's: by an RFC 6962 consistency
// proof from size to ref, a head the server signed and the audit verified, checked against the
// mirror's root at size and ref's root. Every size can be asked this way, and only ref needs a
// signature: the server cannot prove a tree it does not have to be a prefix of the one it signed.
// An error is a proof the server refused or did not give (*unanswered), or the mirror's own.
func (h *heads) agreesAt(ctx context.Context, size uint64, ref ledgertree.TreeHead) (bool, error) {
	local, err := h.tree.Root(size)
	if err != nil {
		return false, err
	}
	refRoot, _ := hex.DecodeString(ref.RootHash)
	if size == 0 || size == ref.TreeSize {
		return size == 0 || bytes.Equal(local, refRoot), nil
	}
	path := fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", size, ref.TreeSize)
	var p api.ConsistencyProof
	if err := h.c.getJSON(ctx, path, &p); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, &unanswered{Unanswered{Query: path, Reason: err.Error()}}
	}
	proof := make([][]byte, len(p.Proof))
	for i, s := range p.Proof {
		proof[i], _ = hex.DecodeString(s)
	}
	return ledgertree.VerifyConsistency(size, ref.TreeSize, proof, local, refRoot) == nil, nil
}

// consistent checks that the server's head now extends an earlier head it signed (prev) that the
// mirror matched, by an RFC 6962 consistency proof. A head smaller than prev, or one the server
// cannot prove consistent, is a finding naming the first leaf where the server departs from the
// mirror. A proof the server refuses is an *unanswered error: the audit goes on, and holds the
// head to the mirror's own tree instead.
func (h *heads) consistent(ctx context.Context, prev, now ledgertree.TreeHead) (*Finding, error) {
	switch {
	case now.TreeSize < prev.TreeSize:
		return h.departure(ctx, 0, prev.TreeSize, now, KindTruncated,
			fmt.Sprintf("the server now signs a tree of %d leaves, after signing one of %d that this mirror matched", now.TreeSize, prev.TreeSize), prev, now)
	case now.TreeSize == prev.TreeSize && now.RootHash == prev.RootHash, prev.TreeSize == 0:
		return nil, nil
	case now.TreeSize == prev.TreeSize:
		return h.departure(ctx, 0, prev.TreeSize, now, KindDeparture,
			fmt.Sprintf("the server signs two trees of %d leaves with different roots", now.TreeSize), prev, now)
	}
	path := fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", prev.TreeSize, now.TreeSize)
	var p api.ConsistencyProof
	if err := h.c.getJSON(ctx, path, &p); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &unanswered{Unanswered{Query: path, Reason: err.Error()}}
	}
	proof := make([][]byte, len(p.Proof))
	for i, s := range p.Proof {
		proof[i], _ = hex.DecodeString(s)
	}
	fromRoot, _ := hex.DecodeString(prev.RootHash)
	toRoot, _ := hex.DecodeString(now.RootHash)
	if err := ledgertree.VerifyConsistency(prev.TreeSize, now.TreeSize, proof, fromRoot, toRoot); err == nil {
		return nil, nil
	}
	return h.departure(ctx, 0, prev.TreeSize, now, KindDeparture,
		fmt.Sprintf("the server's tree of %d leaves does not extend the tree of %d leaves it signed before and this mirror matched", now.TreeSize, prev.TreeSize), prev, now)
}

// matches checks the mirror's tree against a head the server signed: their roots at its size
// must be equal. agreed is a size at which they are known to agree (0 at least).
func (h *heads) matches(ctx context.Context, agreed uint64, th ledgertree.TreeHead) (*Finding, error) {
	if th.TreeSize > h.tree.Size() {
		return &Finding{Kind: KindFeedShort, Reason: fmt.Sprintf("the server signs a tree of %d leaves, but its feed ends after %d events", th.TreeSize, h.tree.Size()),
			Heads: []ledgertree.TreeHead{th}}, nil
	}
	if th.TreeSize == 0 {
		return nil, nil
	}
	root, err := h.tree.Root(th.TreeSize)
	if err != nil {
		return nil, err
	}
	if hex.EncodeToString(root) == th.RootHash {
		return nil, nil
	}
	return h.departure(ctx, agreed, th.TreeSize, th, KindDeparture,
		fmt.Sprintf("the server's signed tree of %d leaves is not the tree of the events its feed gave", th.TreeSize), th)
}

// departure finds the first leaf at which the server's tree departs from the mirror's, knowing
// they agree at size lo and differ at size hi, by binary search with consistency proofs to ref,
// the server's verified head now. A departure only past ref's size means the events after it were
// removed. Where the server refuses the proofs the search needs, the finding stands (the heads
// already show it) but names the range the departure is in, not a leaf the refusal would blame.
func (h *heads) departure(ctx context.Context, lo, hi uint64, ref ledgertree.TreeHead, kind, why string, shown ...ledgertree.TreeHead) (*Finding, error) {
	hi = min(hi, h.tree.Size())
	if ref.TreeSize < hi {
		agree, err := h.agreesAt(ctx, ref.TreeSize, ref)
		if err != nil {
			return nil, err
		}
		if agree {
			f := h.describe(ctx, ref.TreeSize)
			leaf := ref.TreeSize
			f.Kind, f.Leaf, f.Heads = kind, &leaf, shown
			f.Reason = why + fmt.Sprintf(": the server's log ends before this event, the first of %d the mirror holds that the server no longer has (removed)", hi-ref.TreeSize)
			return &f, nil
		}
		hi = ref.TreeSize
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		agree, err := h.agreesAt(ctx, mid, ref)
		var u *unanswered
		if errors.As(err, &u) {
			return &Finding{Kind: kind, Heads: shown, Reason: why + fmt.Sprintf(
				": it departs from the mirror between leaf %d and leaf %d; the server refused the proof that would narrow it (%s)", lo, hi-1, u.Error())}, nil
		}
		if err != nil {
			return nil, err
		}
		if agree {
			lo = mid
		} else {
			hi = mid
		}
	}
	leaf := hi - 1
	f := h.describe(ctx, leaf)
	f.Kind, f.Leaf, f.Heads = kind, &leaf, shown
	f.Reason = why + ": the first leaf where it departs from the mirror is this event, which the server has changed, removed or replaced"
	if f.ServerEventID != "" && f.ServerEventID != f.EventID {
		f.Reason += " (it now has event " + f.ServerEventID + " there)"
	}
	return &f, nil
}

// describeLeaf names the mirror's leaf i (its event, read back from the mirror) and the event the
// server now has at that event's position.
func describeLeaf(c *client, store eventstore.Store, tree *ledgertree.Tree, pos *index) func(context.Context, uint64) Finding {
	return func(ctx context.Context, leaf uint64) Finding {
		id, local, err := tree.Leaf(leaf)
		if err != nil {
			return Finding{}
		}
		f := Finding{LocalPosition: local, EventID: id.String(), Position: pos.of(local)}
		if recs, err := store.ReadAll(ctx, local-1, 1); err == nil && len(recs) == 1 {
			f.Stream, f.Revision, f.Type = recs[0].Stream, recs[0].Revision, recs[0].Type
		}
		var page api.StoredEventsPage
		if c.getJSONLimit(ctx, fmt.Sprintf("/v1/audit/events?view=stored&from_position=%d&limit=1", f.Position), pageLimit(1), &page) == nil && len(page.Events) == 1 {
			f.ServerEventID = page.Events[0].EventID
			if page.Events[0].Position != f.Position {
				f.ServerEventID += fmt.Sprintf(" at position %d", page.Events[0].Position)
			}
		}
		return f
	}
}

// keepHeads adds heads to the mirror's head log (tree-heads.jsonl) unless already there: the heads
// this mirror matched, which ledger verify holds it to and --heads exports.
func keepHeads(dir string, hs ...ledgertree.TreeHead) error {
	path := filepath.Join(dir, ledgertree.HeadsFile)
	// A line a crash tore while it was appended is cut off first: the next head appended after it
	// would join it into one line that no reader can parse.
	if err := ledgertree.DropTornLine(path); err != nil {
		return err
	}
	have, err := ledgertree.ReadHeads(path)
	if err != nil {
		return err
	}
	seen := map[ledgertree.TreeHead]bool{}
	for _, h := range have {
		seen[h] = true
	}
	var add []byte
	for _, h := range hs {
		if seen[h] {
			continue
		}
		seen[h] = true
		line, err := json.Marshal(h)
		if err != nil {
			return err
		}
		add = append(append(add, line...), '\n')
	}
	if len(add) == 0 {
		return nil
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(add)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err == nil && os.IsNotExist(statErr) {
		err = durable.SyncDir(dir) // a file made here is only there for good once its directory is synced
	}
	return err
}
