package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// demoLedger gives dir the demo data set (recorded once for the test binary, demotest) and the
// ledger key, and returns its events.
func demoLedger(t *testing.T, dir string) []eventstore.RecordedEvent {
	t.Helper()
	demoStore(t, dir)
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	_, err = ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	events, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	return events
}

// demoStore gives dir (on the temporary directories' filesystem) the store of the demo data set,
// the one `ledger serve --demo` records: recorded once for the test binary (demotest), where serve
// records it afresh with an fsync a command, seconds of each test that needs it.
func demoStore(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.Rename(demotest.Path(t, 0), storeFile(dir)))
}

// writeHeads stores heads the ledger's key signs over the tree of events at each size, as the
// service would have given them out.
func writeHeads(t *testing.T, dir string, events []eventstore.RecordedEvent, sizes ...uint64) {
	t.Helper()
	signer, err := ledgertree.ExistingSigner(dir)
	require.NoError(t, err)
	tree := ledgertree.NewTree()
	for _, rec := range events {
		leaf, ok, err := ledgertree.LeafOf(rec)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = tree.Append(leaf)
		require.NoError(t, err)
	}
	var lines []byte
	for _, size := range sizes {
		root, err := tree.Root(size)
		require.NoError(t, err)
		line, err := json.Marshal(signer.Sign(size, root, time.Now()))
		require.NoError(t, err)
		lines = append(append(lines, line...), '\n')
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, ledgertree.HeadsFile), lines, 0o600))
}

// rewrite makes a copy of dir whose store holds events (ids, data and metadata kept), as someone
// with write access to the store would leave it: every store checksum is right. The key and the
// stored heads come along.
func rewrite(t *testing.T, dir string, events []eventstore.RecordedEvent) string {
	t.Helper()
	out := t.TempDir()
	s, err := boltstore.Open(storeFile(out), boltstore.Options{NoSync: true}) // closed before it is read
	require.NoError(t, err)
	defer s.Close()
	demotest.AppendRecorded(t, s, events)
	for _, name := range []string{ledgertree.KeyFile, ledgertree.HeadsFile, ledgertree.CheckpointFile} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if name == ledgertree.CheckpointFile && os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(out, name), raw, 0o600))
	}
	return out
}

// lastOfStream returns the global index of an event, at or after from, that is the last of its
// stream: removing it leaves every chain whole.
func lastOfStream(events []eventstore.RecordedEvent, from int) int {
	last := map[string]int{}
	for i, rec := range events {
		last[rec.Stream] = i
	}
	for i := from; i < len(events); i++ {
		if last[events[i].Stream] == i && i < len(events)-1 {
			return i
		}
	}
	return -1
}

// ledger verify finds every kind of tampering with the store, naming where the log went wrong;
// a reordered pair and a deleted last-of-stream event leave every chain intact and are found only
// through the stored tree heads.
func TestVerifyDetectsTamperingWithTheStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events := demoLedger(t, dir)
	n := uint64(len(events))

	// A pair of neighbours from different streams, and a removable event, well inside the log.
	swap := 300
	for events[swap].Stream == events[swap+1].Stream {
		swap++
	}
	del := lastOfStream(events, 400)
	require.Positive(t, del)
	writeHeads(t, dir, events, 50, uint64(swap), uint64(swap+2), uint64(del), uint64(del+1), n)

	code, out, errOut := runCLI(t, "verify", "--data", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "tree heads: 6 stored heads match the log (5 consistency proofs checked)")

	// The service's checkpoint of its tree, for the cases that bring it along.
	withCheckpoint := t.TempDir()
	for _, name := range []string{ledgertree.KeyFile, "ledger.db"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(withCheckpoint, name), raw, 0o600))
	}
	saveCheckpoint(t, withCheckpoint)
	writeHeads(t, withCheckpoint, events, 50, n) // only coarse heads

	flipped := func() []eventstore.RecordedEvent {
		c := append([]eventstore.RecordedEvent(nil), events...)
		d := bytes.Clone(c[200].Data)
		d[bytes.IndexByte(d, ':')+3] ^= 0x01
		c[200].Data = d
		return c
	}
	reordered := func() []eventstore.RecordedEvent {
		c := append([]eventstore.RecordedEvent(nil), events...)
		c[swap], c[swap+1] = c[swap+1], c[swap]
		return c
	}
	deleted := func() []eventstore.RecordedEvent {
		c := append([]eventstore.RecordedEvent(nil), events[:del]...)
		return append(c, events[del+1:]...)
	}
	truncated := func() []eventstore.RecordedEvent { return events[:n-1] }

	tests := []struct {
		name   string
		events func() []eventstore.RecordedEvent
		forge  func(t *testing.T, dir string)
		from   string   // the ledger to tamper with: dir unless set
		want   []string // in the output or the error
	}{
		// With only a head at 50 and one at the end, the heads alone point at leaf 50; the
		// checkpoint, vouched for by the last head, names exactly the first event out of place.
		{name: "reordered pair, coarse heads and the checkpoint", events: reordered, from: withCheckpoint, want: []string{
			"BAD tree head 2", "leaf 50, the first after the last head that matches",
			fmt.Sprintf("BAD first departure from the signed tree: position %d, stream %s revision %d, event %s", swap+1, events[swap+1].Stream, events[swap+1].Revision, events[swap+1].ID),
			fmt.Sprintf("leaf %d differs, where the tree signed at tree_size %d", swap, n), fmt.Sprintf("had event %s at position %d", events[swap].ID, swap+1),
			fmt.Sprintf("first bad event at position %d", swap+1)}},
		{name: "deleted event, coarse heads and the checkpoint", events: deleted, from: withCheckpoint, want: []string{
			fmt.Sprintf("first bad event at position %d, stream %s", del+1, events[del+1].Stream), events[del+1].ID.String(),
			fmt.Sprintf("had event %s at position %d", events[del].ID, del+1)}},
		{name: "deleted newest event, coarse heads and the checkpoint", events: truncated, from: withCheckpoint, want: []string{
			fmt.Sprintf("the log ends at leaf %d", n-1), events[n-1].ID.String()}},
		{"flipped byte in an event", flipped, nil, "", []string{"BAD position 201", events[200].ID.String(), "stream " + events[200].Stream, "hash mismatch"}},
		{"reordered pair", reordered, nil, "", []string{"BAD tree head 3", fmt.Sprintf("leaf %d", swap), events[swap+1].ID.String(), "stream " + events[swap+1].Stream,
			fmt.Sprintf("position %d", swap+1)}},
		{"deleted event", deleted, nil, "", []string{"BAD tree head 5", fmt.Sprintf("leaf %d", del), events[del+1].ID.String(), "changed, removed or reordered"}},
		{"deleted newest event", truncated, nil, "", []string{"BAD tree head 6", "events were removed"}},
		{"forged tree head", func() []eventstore.RecordedEvent { return events }, func(t *testing.T, dir string) {
			other, err := ledgertree.NewSigner(bytes.Repeat([]byte{'f'}, ed25519.SeedSize))
			require.NoError(t, err)
			forged := other.Sign(n, make([]byte, 32), time.Now())
			forged.KeyID = ledgertree.KeyID(mustKey(t, dir)) // claiming the ledger's key
			line, _ := json.Marshal(forged)
			f, err := os.OpenFile(filepath.Join(dir, ledgertree.HeadsFile), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.Write(append(line, '\n'))
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}, "", []string{"BAD tree head 7", "bad signature"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			from := dir
			if tc.from != "" {
				from = tc.from
			}
			bad := rewrite(t, from, tc.events())
			if tc.forge != nil {
				tc.forge(t, bad)
			}
			code, out, errOut := runCLI(t, "verify", "--data", bad)
			assert.Equal(t, 1, code, "out: %s\nerr: %s", out, errOut)
			assert.Contains(t, errOut, "ledger is NOT intact")
			for _, w := range tc.want {
				assert.Contains(t, out+errOut, w)
			}
		})
	}
}

// saveCheckpoint runs the tree over dir's store as the service does, leaving its checkpoint.
func saveCheckpoint(t *testing.T, dir string) {
	t.Helper()
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	cp, err := ledgertree.OpenCheckpoint(filepath.Join(dir, ledgertree.CheckpointFile))
	require.NoError(t, err)
	defer cp.Close()
	f, err := ledgertree.Resume(context.Background(), cp, s, nil)
	require.NoError(t, err)
	require.NoError(t, f.CatchUp(context.Background(), s))
}

func mustKey(t *testing.T, dir string) ed25519.PublicKey {
	t.Helper()
	s, err := ledgertree.ExistingSigner(dir)
	require.NoError(t, err)
	return s.PublicKey()
}

// signerOf returns the organisation with the most sign-offs in events.
func signerOf(t *testing.T, events []eventstore.RecordedEvent) string {
	t.Helper()
	count := map[string]int{}
	best := ""
	for _, rec := range events {
		if rec.Type == domain.TypeSROSignedOff {
			var d domain.SROSignedOff
			require.NoError(t, json.Unmarshal(rec.Data, &d))
			count[d.ODSCode]++
			if best == "" || count[d.ODSCode] > count[best] {
				best = d.ODSCode
			}
		}
	}
	require.NotEmpty(t, best)
	return best
}

// ledger evidence writes a bundle that ledger verify --bundle checks offline; every kind of
// tampering with the file is refused; the bundle still verifies after 1,000 more events, and the
// ledger is shown to still hold its head, unless the log was rewritten.
func TestEvidenceBundleAtTheCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events := demoLedger(t, dir)
	ods := signerOf(t, events)
	file := filepath.Join(t.TempDir(), "bundle.json")

	code, out, errOut := runCLI(t, "evidence", "--data", dir, "--org", ods, "--out", file)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "wrote "+file+": "+ods)
	heads, err := ledgertree.ReadHeads(filepath.Join(dir, ledgertree.HeadsFile))
	require.NoError(t, err)
	require.Len(t, heads, 1, "the bundle's head is on record")

	code, out, errOut = runCLI(t, "verify", "--bundle", file)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "ok: head signature")
	assert.Contains(t, out, "warning: checked with the bundle's own key")
	pubFile := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(pubFile, fmt.Appendf(nil, `{"algorithm":"Ed25519","public_key":"%s"}`, b64(mustKey(t, dir))), 0o600))
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", pubFile)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "(pinned)")

	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	good, err := evidence.Parse(raw)
	require.NoError(t, err)
	so := good.SignOffs[0]
	other, err := ledgertree.NewSigner(bytes.Repeat([]byte{'f'}, ed25519.SeedSize))
	require.NoError(t, err)
	tests := []struct {
		name   string
		tamper func(raw []byte, b *evidence.Bundle) []byte
		want   string
	}{
		{"flipped byte in the file", func(raw []byte, _ *evidence.Bundle) []byte {
			i := bytes.Index(raw, []byte(`"statement": "`)) + len(`"statement": "`) + 2
			raw[i] ^= 0x01
			return raw
		}, "hash mismatch"},
		{"reordered pair", func(_ []byte, b *evidence.Bundle) []byte {
			b.Events[1], b.Events[2] = b.Events[2], b.Events[1]
			return marshal(t, b)
		}, "out of order"},
		{"deleted event", func(_ []byte, b *evidence.Bundle) []byte {
			for i, e := range b.Events {
				if e.EventID == so.ContentEventID {
					b.Events = append(b.Events[:i], b.Events[i+1:]...)
					break
				}
			}
			return marshal(t, b)
		}, "missing"},
		{"forged tree head", func(_ []byte, b *evidence.Bundle) []byte {
			b.TreeHead = other.Sign(b.TreeHead.TreeSize, make([]byte, 32), time.Now())
			b.TreeHead.KeyID = b.PublicKey.KeyID
			return marshal(t, b)
		}, "bad signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := evidence.Parse(raw)
			require.NoError(t, err)
			bad := filepath.Join(t.TempDir(), "bundle.json")
			require.NoError(t, os.WriteFile(bad, tc.tamper(bytes.Clone(raw), b), 0o600))
			code, out, errOut := runCLI(t, "verify", "--bundle", bad, "--public-key", pubFile)
			assert.Equal(t, 1, code, "out: %s\nerr: %s", out, errOut)
			assert.Contains(t, errOut, "bundle is NOT valid")
			assert.Contains(t, out+errOut, tc.want)
		})
	}

	// 1,000 more events later, the bundle verifies on its own and against the grown ledger.
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	registerSHAs(t, s, "Y", 1000)
	grown, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", pubFile)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--data", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("the ledger now holds %d leaves and still contains the bundle's head (consistency proof %d -> %d verifies)",
		len(events)+1000, len(events), len(events)+1000))

	// A rewritten log no longer holds the bundle's head.
	reordered := append([]eventstore.RecordedEvent(nil), grown...)
	i := 10
	for reordered[i].Stream == reordered[i+1].Stream {
		i++
	}
	reordered[i], reordered[i+1] = reordered[i+1], reordered[i]
	bad := rewrite(t, dir, reordered)
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--data", bad)
	assert.Equal(t, 1, code, "out: %s\nerr: %s", out, errOut)
	assert.Contains(t, errOut, "the log was changed")
}

func marshal(t *testing.T, b *evidence.Bundle) []byte {
	t.Helper()
	raw, err := json.MarshalIndent(b, "", "  ")
	require.NoError(t, err)
	return raw
}

func b64(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// verify --bundle --consistency checks, offline, a newer head's consistency proof from the bundle's
// head, as served by /v1/ledger/proofs/consistency.
func TestVerifyBundleWithANewerHeadOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events := demoLedger(t, dir)
	file := filepath.Join(t.TempDir(), "bundle.json")
	code, _, errOut := runCLI(t, "evidence", "--data", dir, "--org", signerOf(t, events), "--out", file)
	require.Equal(t, 0, code, errOut)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	b, err := evidence.Parse(raw)
	require.NoError(t, err)

	s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	registerSHAs(t, s, "Y", 20)
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), s))
	require.NoError(t, s.Close())
	signer, err := ledgertree.ExistingSigner(dir)
	require.NoError(t, err)
	proof, err := evidence.ProveConsistency(b, f.Tree(), func(size uint64, root []byte) ledgertree.TreeHead {
		return signer.Sign(size, root, time.Now())
	})
	require.NoError(t, err)
	write := func(p evidence.ConsistencyProof) string {
		path := filepath.Join(t.TempDir(), "consistency.json")
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, raw, 0o600))
		return path
	}
	key := b64(mustKey(t, dir))

	code, out, errOut := runCLI(t, "verify", "--bundle", file, "--public-key", key, "--consistency", write(proof))
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, fmt.Sprintf("consistent with the newer head of %d leaves", len(events)+20))

	forged := proof
	forged.ToHead.RootHash = flipFirstByte(forged.ToHead.RootHash)
	code, _, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", key, "--consistency", write(forged))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "newer head")
}

// registerSHAs grows a ledger by n registry events (SHAs prefix0000, prefix0001, ...), as later
// business would, so that what was signed before must still be proved within the larger log.
func registerSHAs(t *testing.T, s eventstore.Store, prefix string, n int) {
	t.Helper()
	h := command.NewHandler(s, command.Options{})
	admin := domain.Actor{PersonID: "adm", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
	for i := range n {
		_, err := h.Registry(context.Background(), command.Request{Actor: admin},
			domain.RegisterOrganisation{ODSCode: fmt.Sprintf("%s%04d", prefix, i), Name: fmt.Sprintf("Trust %d", i), Kind: domain.KindSHA})
		require.NoError(t, err)
	}
}

// flipFirstByte returns hex with its first byte inverted: always a different value (setting it to
// "00" left a hash that began with 00 unchanged, one run in 256).
func flipFirstByte(hex string) string {
	b, err := strconv.ParseUint(hex[:2], 16, 8)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%02x", b^0xff) + hex[2:]
}
