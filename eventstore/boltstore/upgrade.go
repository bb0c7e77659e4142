package boltstore

import (
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// upgradeFrom1 turns a format 1 file into the current format in one transaction: all of it or, if
// anything fails, none of it.
//
// Format 1 keyed the streams and heads indexes by stream name. Plan streams are named by UUIDs, so
// every append put two keys at random places in two large B+trees, and a commit of a few dozen
// events rewrote about a hundred pages; keyed by a number given to each stream in order of its first
// event, the streams being written to sit together at the end of both (docs/performance.md). The
// events and ids buckets are unchanged: the indexes are rebuilt from the events, numbering the
// streams in the order their first events were recorded, as appends would have.
func upgradeFrom1(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketStreams, bucketHeads} {
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop the format 1 %s index: %w", name, err)
		}
	}
	for _, name := range [][]byte{bucketNames, bucketStreams, bucketHeads} {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	b, err := openBuckets(tx)
	if err != nil {
		return fmt.Errorf("%w: %w", eventstore.ErrCorrupt, err)
	}
	var streams uint64
	heads := map[uint64]uint64{} // written once at the end: a head is rewritten by every event
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
		n, ok, err := b.streamNumber(rec.Stream)
		if err != nil {
			return err
		}
		if !ok {
			streams++
			n = streams
			if err := b.names.Put([]byte(rec.Stream), u64(n)); err != nil {
				return err
			}
		}
		if want, seen := heads[n]; (seen && rec.Revision != want+1) || (!seen && rec.Revision != 0) {
			return &eventstore.CorruptError{Position: pos, Reason: fmt.Sprintf("stream %q revision %d does not follow the stream's events before it", rec.Stream, rec.Revision)}
		}
		heads[n] = rec.Revision
		if err := b.streams.Put(streamKey(n, rec.Revision), u64(pos)); err != nil { // not k: a slice of the map, which a growing file may remap
			return err
		}
	}
	for n := uint64(1); n <= streams; n++ {
		if err := b.heads.Put(u64(n), u64(heads[n])); err != nil {
			return err
		}
	}
	return b.meta.Put(keyVersion, u64(formatVersion))
}
