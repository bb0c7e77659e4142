package ledgertree

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/transparency-dev/merkle/compact"
	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"
)

// CheckpointFile is the file under the data directory that holds the persisted tree, beside the
// signing key, whichever store holds the events.
const CheckpointFile = "ledger-tree.db"

var (
	bucketNodes  = []byte("nodes")  // level (1 byte) + index (8 bytes, big-endian) -> 32-byte hash
	bucketLeaves = []byte("leaves") // index (8 bytes) -> position (8 bytes) + event id (16 bytes)
	bucketMeta   = []byte("meta")

	keyFormat = []byte("format")
	keySize   = []byte("size")
	keyRoot   = []byte("root")

	checkpointFormat = []byte("assurance-ledger/ledgertree/checkpoint v1")
)

// ErrBadCheckpoint is returned by Load for a checkpoint that cannot be trusted to match the log: its
// own contents do not agree, or it is not a checkpoint file.
var ErrBadCheckpoint = errors.New("ledgertree: checkpoint does not hold a consistent tree")

// Checkpoint persists a Tree: every node hash it keeps (so that proofs at every size survive a
// restart, not only the root), and each leaf's position and event id. Saves are incremental: the
// tree only grows, so each writes the nodes and leaves added since the last one, in one fsynced
// transaction that also records the size and root it brings the checkpoint to.
//
// The checkpoint is a cache of the log, never a source of truth: it may lag the log (the follower
// reads on from its last position), and Resume checks it against the log before it is used.
type Checkpoint struct {
	db *bbolt.DB

	mu     sync.Mutex
	levels []uint64 // nodes saved per level
	leaves uint64   // leaves saved
}

// OpenCheckpoint opens or creates the checkpoint file at path.
func OpenCheckpoint(path string) (*Checkpoint, error) {
	db, err := openBolt(path, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("ledgertree: open checkpoint %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketNodes, bucketLeaves, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch f := meta.Get(keyFormat); {
		case f == nil:
			return meta.Put(keyFormat, checkpointFormat)
		case !bytes.Equal(f, checkpointFormat):
			return fmt.Errorf("%w: format %q", ErrBadCheckpoint, f)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ledgertree: checkpoint %s: %w", path, err)
	}
	return &Checkpoint{db: db}, nil
}

// openBolt is bbolt.Open with its panics on a damaged file (a torn write at a power cut can leave
// meta pages that validate but name an impossible freelist page: "invalid freelist page") turned
// into ErrBadCheckpoint, so that the file is set aside rather than the service stopped. bbolt panics
// after it has opened, locked and mapped the file: the descriptor is opened here to be closed, but
// the mapping cannot be undone, and it keeps the file's lock until the process ends. So a damaged
// file stays locked: OpenCheckpointOrSetAside moves it aside and starts another.
func openBolt(path string, opts *bbolt.Options) (db *bbolt.DB, err error) {
	var file *os.File
	o := *opts
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, r)
		}
	}()
	return bbolt.Open(path, 0o600, &o)
}

// OpenCheckpointOrSetAside opens the checkpoint at path as OpenCheckpoint does; a file that cannot
// be opened as a checkpoint (damaged, or not one) is renamed to path + ".unreadable" with a logged
// warning and a new one is started: it is only a cache of the log, and must not keep the service
// from starting. A file another process holds open is still an error.
func OpenCheckpointOrSetAside(path string, log *slog.Logger) (*Checkpoint, error) {
	cp, err := OpenCheckpoint(path)
	if err == nil || errors.Is(err, bberrors.ErrTimeout) {
		return cp, err
	}
	if _, statErr := os.Stat(path); statErr != nil {
		return nil, err // nothing to set aside: the directory itself is the trouble
	}
	aside := path + ".unreadable"
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, fmt.Errorf("%w (and it could not be set aside: %v)", err, rerr)
	}
	if log != nil {
		log.Warn("ledger tree checkpoint unreadable: set aside, the tree is rebuilt from the log", "error", err.Error(), "moved_to", aside)
	}
	return OpenCheckpoint(path)
}

// OpenCheckpointReadOnly opens an existing checkpoint file for Load only, without taking it from a
// running service: ledger verify uses it, once signed heads vouch for it, to find exactly where a
// log departs from the tree the service built.
func OpenCheckpointReadOnly(path string) (*Checkpoint, error) {
	db, err := openBolt(path, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("ledgertree: open checkpoint %s: %w", path, err)
	}
	err = db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || tx.Bucket(bucketNodes) == nil || tx.Bucket(bucketLeaves) == nil || !bytes.Equal(meta.Get(keyFormat), checkpointFormat) {
			return ErrBadCheckpoint
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ledgertree: checkpoint %s: %w", path, err)
	}
	return &Checkpoint{db: db}, nil
}

// Close closes the file.
func (c *Checkpoint) Close() error { return c.db.Close() }

func nodeKey(level uint, index uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{byte(level)}, index)
}

// Load returns the tree the checkpoint holds (empty if nothing was saved). Every interior node is
// recomputed from the leaf hashes up and must equal the one stored, and the root they give must
// equal the one saved with the size: proofs are built from any stored node, and ledger verify takes
// a signed head's root as vouching for every leaf hash beneath it, so a wrong node or leaf hash off
// the root's path must be caught too. That costs about one SHA-256 per leaf. It shows the checkpoint
// agrees with itself, not with the log: Resume compares the last leaf with the log.
func (c *Checkpoint) Load() (*Tree, error) {
	t := NewTree()
	var savedRoot []byte
	err := c.db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		raw := meta.Get(keySize)
		if raw == nil {
			return nil
		}
		if len(raw) != 8 {
			return fmt.Errorf("%w: size is %d bytes", ErrBadCheckpoint, len(raw))
		}
		size := binary.BigEndian.Uint64(raw)
		savedRoot = bytes.Clone(meta.Get(keyRoot))
		t.positions = make([]uint64, 0, size)
		t.ids = make([]uuid.UUID, 0, size)
		cur := tx.Bucket(bucketLeaves).Cursor()
		for k, v := cur.First(); k != nil && uint64(len(t.positions)) < size; k, v = cur.Next() {
			i := uint64(len(t.positions))
			if binary.BigEndian.Uint64(k) != i || len(v) != 8+16 {
				return fmt.Errorf("%w: leaf %d missing or malformed", ErrBadCheckpoint, i)
			}
			pos := binary.BigEndian.Uint64(v[:8])
			if i > 0 && pos <= t.positions[i-1] {
				return fmt.Errorf("%w: leaf %d position %d does not follow %d", ErrBadCheckpoint, i, pos, t.positions[i-1])
			}
			id := uuid.UUID(v[8:])
			t.positions = append(t.positions, pos)
			t.ids = append(t.ids, id)
			t.byID[id] = i
		}
		if uint64(len(t.positions)) != size {
			return fmt.Errorf("%w: %d of %d leaves", ErrBadCheckpoint, len(t.positions), size)
		}
		// Level l holds one node per complete block of 2^l leaves.
		nodes := tx.Bucket(bucketNodes)
		for level := uint(0); size>>level > 0; level++ {
			want := size >> level
			row := make([]hash, 0, want)
			cur := nodes.Cursor()
			for k, v := cur.Seek(nodeKey(level, 0)); k != nil && k[0] == byte(level) && uint64(len(row)) < want; k, v = cur.Next() {
				if binary.BigEndian.Uint64(k[1:]) != uint64(len(row)) || len(v) != HashSize {
					return fmt.Errorf("%w: node %d of level %d missing or malformed", ErrBadCheckpoint, len(row), level)
				}
				row = append(row, hash(v))
			}
			if uint64(len(row)) != want {
				return fmt.Errorf("%w: level %d has %d of %d nodes", ErrBadCheckpoint, level, len(row), want)
			}
			if level > 0 {
				below := t.levels[level-1]
				for i := range row {
					if h := Hasher.HashChildren(below[2*i][:], below[2*i+1][:]); !bytes.Equal(h, row[i][:]) {
						return fmt.Errorf("%w: node %d of level %d is not the hash of the two below it", ErrBadCheckpoint, i, level)
					}
				}
			}
			t.levels = append(t.levels, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	size := uint64(len(t.positions))
	if size > 0 {
		rng, err := t.rf.NewRange(0, size, t.hashesLocked(compact.RangeNodes(0, size, nil)))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
		}
		root, err := rng.GetRootHash(nil)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(root, savedRoot) {
			return nil, fmt.Errorf("%w: its nodes give root %x, it recorded %x", ErrBadCheckpoint, root, savedRoot)
		}
		t.rng = rng
	}
	c.mu.Lock()
	c.leaves = size
	c.levels = make([]uint64, len(t.levels))
	for l, row := range t.levels {
		c.levels[l] = uint64(len(row))
	}
	c.mu.Unlock()
	return t, nil
}

// Save writes what t gained since the last Load, Save or Reset. t must be the tree loaded from
// this checkpoint (or a fresh one after Reset), grown only by Append.
func (c *Checkpoint) Save(t *Tree) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Copy the new part under the tree's read lock, write it without: appends go on meanwhile.
	t.mu.RLock()
	size := uint64(len(t.positions))
	if size < c.leaves {
		t.mu.RUnlock()
		return fmt.Errorf("ledgertree: the tree has %d leaves, fewer than the %d saved", size, c.leaves)
	}
	if size == c.leaves {
		t.mu.RUnlock()
		return nil
	}
	positions := append([]uint64(nil), t.positions[c.leaves:size]...)
	ids := append([]uuid.UUID(nil), t.ids[c.leaves:size]...)
	rows := make([][]hash, 0, len(t.levels))
	for l := range t.levels {
		from, upto := uint64(0), size>>l
		if l < len(c.levels) {
			from = c.levels[l]
		}
		rows = append(rows, append([]hash(nil), t.levels[l][from:upto]...))
	}
	root, err := t.rootLocked(size)
	t.mu.RUnlock()
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bbolt.Tx) error {
		leaves, nodes, meta := tx.Bucket(bucketLeaves), tx.Bucket(bucketNodes), tx.Bucket(bucketMeta)
		leaves.FillPercent, nodes.FillPercent = 1.0, 0.9
		for i, pos := range positions {
			v := binary.BigEndian.AppendUint64(make([]byte, 0, 24), pos)
			if err := leaves.Put(binary.BigEndian.AppendUint64(nil, c.leaves+uint64(i)), append(v, ids[i][:]...)); err != nil {
				return err
			}
		}
		for l, row := range rows {
			from := uint64(0)
			if l < len(c.levels) {
				from = c.levels[l]
			}
			for i, h := range row {
				if err := nodes.Put(nodeKey(uint(l), from+uint64(i)), h[:]); err != nil {
					return err
				}
			}
		}
		if err := meta.Put(keySize, binary.BigEndian.AppendUint64(nil, size)); err != nil {
			return err
		}
		return meta.Put(keyRoot, root)
	})
	if err != nil {
		return fmt.Errorf("ledgertree: saving checkpoint: %w", err)
	}
	c.leaves = size
	for l, row := range rows {
		if l < len(c.levels) {
			c.levels[l] += uint64(len(row))
		} else {
			c.levels = append(c.levels, uint64(len(row)))
		}
	}
	return nil
}

// Reset empties the checkpoint, for a tree that is to be rebuilt from the start of the log.
func (c *Checkpoint) Reset() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketNodes, bucketLeaves} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keySize); err != nil {
			return err
		}
		return meta.Delete(keyRoot)
	})
	if err != nil {
		return fmt.Errorf("ledgertree: resetting checkpoint: %w", err)
	}
	c.levels, c.leaves = nil, 0
	return nil
}
