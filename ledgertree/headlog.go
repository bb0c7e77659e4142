package ledgertree

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"assurance-ledger/internal/durable"
)

// HeadsFile is the file under the data directory that keeps every tree head the service issued.
const HeadsFile = "tree-heads.jsonl"

// HeadLog keeps the signed tree heads the service gives out, one JSON object per line, oldest first,
// each appended and fsynced (and the file's directory, the first time) before it is served. They are what the service has committed to:
// ledger verify checks each against the tree it recomputes from the log, so a log rewritten after a
// head was given out cannot go unnoticed. A head is signed once per tree size, and only while the
// tree has that size: asking again at the same size returns the stored one, so the file grows with
// the log, not with the number of requests, and a size the tree has grown past gets no new head
// (ErrNoSignedHead): signed now, it would carry a time the tree no longer had that size, be a
// second signed statement of a size already signed, and let anyone who may ask make the ledger
// sign any size of its past.
type HeadLog struct {
	mu     sync.Mutex
	path   string
	signer *Signer
	latest *TreeHead
	// bySize holds the first head stored for each size, with the signer's key: the head the
	// ledger signed when its tree had that size; sizes are its keys in order.
	bySize map[uint64]TreeHead
	sizes  []uint64
	now    func() time.Time
	// dirSynced: the directory was synced after a head was stored by this process, so that the
	// file is there after a power cut even if this process created it.
	dirSynced bool
}

// OpenHeadLog opens the head log at path (created on the first head) for heads signed by signer.
func OpenHeadLog(path string, signer *Signer) (*HeadLog, error) {
	if err := dropTornLine(path); err != nil {
		return nil, err
	}
	heads, err := ReadHeads(path)
	if err != nil {
		return nil, err
	}
	l := &HeadLog{path: path, signer: signer, now: time.Now, bySize: map[uint64]TreeHead{}}
	if n := len(heads); n > 0 {
		l.latest = &heads[n-1]
	}
	for _, h := range heads {
		l.remember(h)
	}
	return l, nil
}

func (l *HeadLog) remember(h TreeHead) {
	if _, ok := l.bySize[h.TreeSize]; !ok && (l.signer == nil || h.KeyID == l.signer.KeyID()) {
		l.bySize[h.TreeSize] = h
		i, _ := slices.BinarySearch(l.sizes, h.TreeSize)
		l.sizes = slices.Insert(l.sizes, i, h.TreeSize)
	}
}

// ErrNoSignedHead is HeadAt's answer for a size the tree had once but no head was signed at: the
// ledger signs a size only while its tree has it.
var ErrNoSignedHead = errors.New("ledgertree: no tree head was signed at that size")

// Nearest returns the sizes of the stored heads nearest to size: the largest below it and the
// smallest above it, 0 where there is none.
func (l *HeadLog) Nearest(size uint64) (below, above uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, found := slices.BinarySearch(l.sizes, size)
	if i > 0 {
		below = l.sizes[i-1]
	}
	if found {
		i++
	}
	if i < len(l.sizes) {
		above = l.sizes[i]
	}
	return below, above
}

// AtOrAfter returns the stored head of the smallest size at least size, if there is one: a tree of
// that size holds every leaf of the tree of size, so its head proves them.
func (l *HeadLog) AtOrAfter(size uint64) (TreeHead, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearch(l.sizes, size)
	if i == len(l.sizes) {
		return TreeHead{}, false
	}
	return l.bySize[l.sizes[i]], true
}

// Stored returns the head stored when the tree had size leaves, if one was: unlike HeadAt, it
// never signs, so its timestamp is when the tree had that size, not when it was asked.
func (l *HeadLog) Stored(size uint64) (TreeHead, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.bySize[size]
	return h, ok
}

// Head returns a signed head of the tree at its current size: the stored one if the tree has not
// grown since, else a new one, stored before it is returned.
func (l *HeadLog) Head(tree *Tree) (TreeHead, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.headAt(tree, tree.Size(), true)
}

// HeadAt returns the head the ledger signed when its tree had size leaves: the stored one, or, at
// the tree's size now, one signed now and stored before it is returned. At a size the tree has
// grown past and no head was signed at, it signs nothing and returns ErrNoSignedHead: Nearest
// names the sizes that have heads.
func (l *HeadLog) HeadAt(tree *Tree, size uint64) (TreeHead, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.headAt(tree, size, false)
}

// headAt is HeadAt, with l.mu held; current says size is the tree's size, read a moment ago (it
// may have grown since), to be signed if no head was.
func (l *HeadLog) headAt(tree *Tree, size uint64, current bool) (TreeHead, error) {
	if l.latest != nil && l.latest.TreeSize == size && l.latest.KeyID == l.signer.KeyID() {
		return *l.latest, nil
	}
	// A size the tree had before and a head was signed for: that head, whose time is when the tree
	// had that size.
	if h, ok := l.bySize[size]; ok {
		return h, nil
	}
	if !current && size != tree.Size() {
		return TreeHead{}, fmt.Errorf("%w: %d leaves (the tree has %d)", ErrNoSignedHead, size, tree.Size())
	}
	root, err := tree.Root(size)
	if err != nil {
		return TreeHead{}, err
	}
	h := l.signer.Sign(size, root, l.now())
	line, err := json.Marshal(h)
	if err != nil {
		return TreeHead{}, err
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return TreeHead{}, fmt.Errorf("ledgertree: head log: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !l.dirSynced {
		err = durable.SyncDir(filepath.Dir(l.path))
		l.dirSynced = err == nil
	}
	if err != nil {
		return TreeHead{}, fmt.Errorf("ledgertree: head log %s: %w", l.path, err)
	}
	if l.latest == nil || size >= l.latest.TreeSize {
		l.latest = &h
	}
	l.remember(h)
	return h, nil
}

// Keep stores a head of f's tree every interval while the tree grows, and a last one when ctx ends,
// so that heads are on record even when nobody asks for one.
func (l *HeadLog) Keep(ctx context.Context, f *Follower, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	keep := func() {
		if f.Ready() != nil {
			return // a head of a tree still catching up would understate the log
		}
		if _, err := l.Head(f.Tree()); err != nil {
			f.log.Warn("tree head not stored", "error", err.Error())
		}
	}
	for {
		select {
		case <-ctx.Done():
			keep()
			return
		case <-tick.C:
			keep()
		}
	}
}

// DropTornLine cuts off an unfinished last line of the head log at path, as opening a HeadLog
// does: an auditor's mirror appends to a head log of its own, and a line glued to a torn one
// would make the whole file unreadable.
func DropTornLine(path string) error { return dropTornLine(path) }

// dropTornLine cuts off an unfinished last line (finished): a write a crash interrupted. Head
// returns a head only after its whole line is synced, so that line was never given to anyone;
// cutting it lets the next head start on a line of its own.
func dropTornLine(path string) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledgertree: head log: %w", err)
	}
	keep := finished(raw)
	if keep == len(raw) {
		return nil
	}
	if err := os.Truncate(path, int64(keep)); err != nil {
		return fmt.Errorf("ledgertree: head log %s: cutting off an unfinished last line: %w", path, err)
	}
	return nil
}

// finished returns the length of raw's finished lines. A last line is unfinished when it has no
// newline, or when it holds a NUL byte, which no head's JSON can: a power cut during its append
// can leave the file its new size with only some of the line's sectors written, the others zero.
// Every line before the last was synced before the last was written, so only the last can be torn.
func finished(raw []byte) int {
	end := bytes.LastIndexByte(raw, '\n') + 1
	if end < len(raw) {
		return end
	}
	last := bytes.LastIndexByte(raw[:max(end-1, 0)], '\n') + 1
	if bytes.IndexByte(raw[last:end], 0) >= 0 {
		return last
	}
	return end
}

// ReadHeads returns the heads stored at path, oldest first; none if there is no such file. A line
// that is not a tree head is an error naming it: the file is evidence and is not skipped over. Only
// an unfinished last line (without its newline, or torn: a write a crash interrupted, never
// acknowledged) is ignored.
func ReadHeads(path string) ([]TreeHead, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledgertree: head log: %w", err)
	}
	raw = raw[:finished(raw)]
	var heads []TreeHead
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var h TreeHead
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil {
			return nil, fmt.Errorf("ledgertree: head log %s line %d: %w", path, n, err)
		}
		heads = append(heads, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ledgertree: head log %s: %w", path, err)
	}
	return heads, nil
}
