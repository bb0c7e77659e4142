package boltstore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// upgradeFrom1 turns a format 1 file into the current format in one transaction: all of it or, if
// anything fails, none of it.
//
// Format 1 keyed the streams index, and a heads index of each stream's last revision, by stream
// name. Plan streams are named by UUIDs, so every append put two keys at random places in two large
// B+trees, and a commit of a few dozen events rewrote about a hundred pages; keyed by a number given
// to each stream in order of its first event, the streams being written to sit together at the end
// of the index (docs/performance.md). The events and ids buckets are unchanged; heads is dropped (a
// stream's head is its last streams key) and names and streams are rebuilt from the events,
// numbering the streams in the order their first events were recorded, as appends would have.
func upgradeFrom1(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketStreams, []byte("heads")} {
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop the format 1 %s index: %w", name, err)
		}
	}
	for _, name := range [][]byte{bucketNames, bucketStreams} {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	b, err := openBuckets(tx)
	if err != nil {
		return fmt.Errorf("%w: %w", eventstore.ErrCorrupt, err)
	}
	// Every key is gathered first and put in key order: bbolt splits nodes only at commit, so keys
	// put out of order into one large bucket are inserted into the middle of ever longer nodes, which
	// took minutes at a million events instead of seconds.
	type indexed struct{ number, revision, position uint64 }
	var (
		entries []indexed
		numbers = map[string]uint64{}
		heads   []uint64 // by number - 1: the last revision seen, to check the next one follows
	)
	c := b.events.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return fmt.Errorf("%w: an events key is %d bytes, not a position", eventstore.ErrCorrupt, len(k))
		}
		pos := binary.BigEndian.Uint64(k)
		rec, err := decodeRecord(pos, v)
		if err != nil {
			return err
		}
		n, ok := numbers[rec.Stream]
		switch {
		case !ok && rec.Revision == 0:
			heads = append(heads, 0)
			n = uint64(len(heads))
			numbers[rec.Stream] = n
		case !ok || rec.Revision != heads[n-1]+1:
			return &eventstore.CorruptError{Position: pos, Reason: fmt.Sprintf("stream %q revision %d does not follow the stream's events before it", rec.Stream, rec.Revision)}
		}
		heads[n-1] = rec.Revision
		entries = append(entries, indexed{n, rec.Revision, pos})
	}
	slices.SortFunc(entries, func(a, b indexed) int {
		return cmp.Or(cmp.Compare(a.number, b.number), cmp.Compare(a.revision, b.revision))
	})
	b.streams.FillPercent = 1.0 // written once, in order
	for _, e := range entries {
		if err := b.streams.Put(streamKey(e.number, e.revision), u64(e.position)); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(numbers)) {
		if err := b.names.Put([]byte(name), u64(numbers[name])); err != nil {
			return err
		}
	}
	return b.meta.Put(keyVersion, u64(formatVersion))
}
