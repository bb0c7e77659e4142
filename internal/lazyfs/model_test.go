package lazyfs

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash modes' choices are checked on the model, where many seeds cost nothing; the mount's
// tests show that the kernel's calls reach the model as the program made them.

var epoch = time.Unix(0, 0)

// newFile makes a file named name in the root, its name synced, holding synced.
func newFile(t *testing.T, tr *tree, name string, synced []byte) uint64 {
	t.Helper()
	n, errno := tr.create(rootIno, name, syscall.S_IFREG|0o600, 0, 0, epoch)
	require.Zero(t, errno)
	require.Zero(t, tr.write(n.ino, 0, synced, epoch))
	require.Zero(t, tr.sync(n.ino))
	require.Zero(t, tr.sync(rootIno))
	return n.ino
}

func fileAfter(t *testing.T, tr *tree, name string) ([]byte, bool) {
	t.Helper()
	ino, ok := tr.nodes[rootIno].entries[name]
	if !ok {
		return nil, false
	}
	n := tr.nodes[ino]
	require.Equal(t, n.data, n.synced, "after a crash all that is there is synced")
	return n.data, true
}

// KeepPrefix leaves a file as its synced content with the first k of its later changes applied, in
// order, for some k: never a later change without the earlier ones. Every k occurs.
func TestKeepPrefixKeepsTheFirstChangesInOrder(t *testing.T) {
	changes := []fileOp{
		{off: 0, data: []byte("AAAA")},
		{off: 2, data: []byte("BBBBBB")},
		{size: 3, resize: true},
		{off: 10, data: []byte("C")},
		{off: 1, data: []byte("D")},
	}
	var prefixes [][]byte // prefixes[k]: the content with the first k changes
	content := []byte("synced")
	prefixes = append(prefixes, slices.Clone(content))
	for _, op := range changes {
		content = applyFileOp(content, op)
		prefixes = append(prefixes, slices.Clone(content))
	}
	seen := map[int]int{}
	for seed := range uint64(300) {
		tr := newTree(epoch)
		ino := newFile(t, tr, "f", []byte("synced"))
		for _, op := range changes {
			if op.resize {
				require.Zero(t, tr.resize(ino, op.size, epoch))
			} else {
				require.Zero(t, tr.write(ino, op.off, op.data, epoch))
			}
		}
		require.Equal(t, prefixes[len(changes)], tr.nodes[ino].data, "the file reads as written before the crash")
		after, st := tr.crash(KeepPrefix, rand.New(rand.NewPCG(seed, 7)))
		got, ok := fileAfter(t, after, "f")
		require.True(t, ok)
		k := slices.IndexFunc(prefixes, func(p []byte) bool { return bytes.Equal(p, got) })
		require.GreaterOrEqual(t, k, 0, "seed %d: %q is no prefix of the changes", seed, got)
		seen[k]++
		assert.Equal(t, k < len(changes), st.FilesChanged == 1, "seed %d", seed)
	}
	assert.Len(t, seen, len(prefixes), "every prefix occurs: %v", seen)
}

// KeepPrefix does the same with a directory's changes: a rename kept implies the creation before it
// was kept, and a rename within a directory is kept whole or not at all.
func TestKeepPrefixKeepsTheFirstDirectoryChangesInOrder(t *testing.T) {
	seen := map[string]int{}
	for seed := range uint64(200) {
		tr := newTree(epoch)
		n, errno := tr.create(rootIno, "tmp", syscall.S_IFREG|0o600, 0, 0, epoch)
		require.Zero(t, errno)
		require.Zero(t, tr.write(n.ino, 0, []byte("x"), epoch))
		require.Zero(t, tr.sync(n.ino))
		require.Zero(t, tr.rename(rootIno, "tmp", rootIno, "f", false, epoch))
		_, errno = tr.create(rootIno, "g", syscall.S_IFREG|0o600, 0, 0, epoch)
		require.Zero(t, errno)
		after, _ := tr.crash(KeepPrefix, rand.New(rand.NewPCG(seed, 3)))
		names := slices.Sorted(maps.Keys(after.nodes[rootIno].entries))
		key := ""
		for _, name := range names {
			key += name + " "
		}
		seen[key]++
	}
	// Create tmp, rename it f, create g: the four prefixes of those three changes, never f and tmp
	// both or neither once tmp was there.
	assert.Equal(t, []string{"", "f ", "f g ", "tmp "}, slices.Sorted(maps.Keys(seen)))
}

// TornPage tears the first write of a file that did not survive whole: its pages before a random
// one are written, that page has some of its 512-byte sectors written and the others as they were,
// the pages after it are as they were, and the file has the size the write gave it. What was synced
// before the write is never touched.
func TestTornPageTearsOnePage(t *testing.T) {
	synced := bytes.Repeat([]byte("s"), 2*pageSize)
	const off, n = pageSize + 1000, 3 * pageSize // pages 1 to 4
	written := bytes.Repeat([]byte("w"), n)
	before := resize(slices.Clone(synced), off+n) // what the write's range held: "s", then zeros
	mixed, tornSeen, wholeSeen := 0, 0, 0
	for seed := range uint64(300) {
		tr := newTree(epoch)
		ino := newFile(t, tr, "f", synced)
		require.Zero(t, tr.write(ino, off, written, epoch))
		after, st := tr.crash(TornPage, rand.New(rand.NewPCG(seed, 11)))
		got, ok := fileAfter(t, after, "f")
		require.True(t, ok)
		if st.Torn == 0 {
			wholeSeen++
			require.Equal(t, applyFileOp(slices.Clone(synced), fileOp{off: off, data: written}), got, "seed %d: kept whole", seed)
			continue
		}
		tornSeen++
		require.Len(t, got, off+n, "seed %d: the size the write gave", seed)
		require.Equal(t, synced[:off], got[:off], "seed %d: nothing before the write is touched", seed)
		// Each sector of the write's range holds the write's bytes or what was there, whole.
		newSector := map[int64]bool{}
		for s := int64(off) / sectorSize * sectorSize; s < off+n; s += sectorSize {
			lo, hi := max(s, off), min(s+sectorSize, off+n)
			switch {
			case bytes.Equal(got[lo:hi], written[lo-off:hi-off]):
				newSector[s] = true
			case bytes.Equal(got[lo:hi], before[lo:hi]):
			default:
				t.Fatalf("seed %d: sector at %d is neither the write nor what was there", seed, s)
			}
		}
		// Written sectors up to one page, none after it; within that page any choice.
		var cut int64 = -1
		for s := int64(off) / sectorSize * sectorSize; s < off+n; s += sectorSize {
			page := s / pageSize
			if !newSector[s] && cut < 0 {
				cut = page
			}
			if cut >= 0 && page > cut {
				require.False(t, newSector[s], "seed %d: sector %d written after the torn page %d", seed, s, cut)
			}
		}
		if cut >= 0 {
			var in int
			for s := cut * pageSize; s < (cut+1)*pageSize; s += sectorSize {
				if newSector[s] {
					in++
				}
			}
			if in > 0 {
				mixed++
			}
		}
	}
	assert.Positive(t, wholeSeen, "sometimes the write survives whole")
	assert.Positive(t, tornSeen, "sometimes it is torn")
	assert.Positive(t, mixed, "some tears leave a page half written")
}

// DropUnsynced is exact: after it, every file is what it was at its last sync, whatever was
// written since, and nothing is torn.
func TestDropUnsyncedIsTheLastSync(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	tr := newTree(epoch)
	ino := newFile(t, tr, "f", nil)
	var lastSynced []byte
	for range 200 {
		switch rng.IntN(4) {
		case 0:
			require.Zero(t, tr.resize(ino, rng.Int64N(3*pageSize), epoch))
		case 1:
			require.Zero(t, tr.sync(ino))
			lastSynced = slices.Clone(tr.nodes[ino].data)
		default:
			data := bytes.Repeat([]byte{byte('a' + rng.IntN(26))}, 1+rng.IntN(2*pageSize))
			require.Zero(t, tr.write(ino, rng.Int64N(3*pageSize), data, epoch))
		}
	}
	after, st := tr.crash(DropUnsynced, rng)
	got, ok := fileAfter(t, after, "f")
	require.True(t, ok)
	assert.Equal(t, lastSynced, got)
	assert.Zero(t, st.Torn)
}
