package boltstore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
	"assurance-ledger/internal/durable"
)

// Format 1 keyed the streams index, and a heads index of each stream's last revision, by stream
// name. Plan streams are named by UUIDs, so every append put two keys at random places in two large
// B+trees, and a commit of a few dozen events rewrote about a hundred pages; keyed by a number given
// to each stream in order of its first event, the streams being written to sit together at the end
// of the index (docs/performance.md). An upgrade keeps the events and ids buckets as they are, drops
// heads (a stream's head is now its last streams key) and rebuilds streams, with names beside it,
// from format 1's streams index, numbering the streams in the order their first events were
// recorded, as appends would have. It reads the index, not the events, so that a file with a
// damaged event upgrades, and the event is still reported where it is read, as before.

// bucketHeads1 is format 1's index of each stream's last revision, by name.
var bucketHeads1 = []byte("heads")

// keepFormat1Copy writes the whole format 1 file, as it stands, to a new file beside it and syncs
// it and its directory: an upgraded file cannot be opened by the builds that wrote format 1, so an
// operator who must go back to one keeps this copy. It returns the copy's path. The copy is written
// under a temporary name and renamed, so that a file under the copy's name is always whole: one a
// cut interrupted is never taken for the copy, and an upgrade tried again in the same second (after
// a cut before it committed) replaces its copy with the same bytes.
func keepFormat1Copy(db *bbolt.DB, path string, now time.Time) (string, error) {
	copyPath := fmt.Sprintf("%s.format1-%s", path, now.UTC().Format("20060102T150405Z"))
	tmp := copyPath + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	err = db.View(func(tx *bbolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, copyPath)
	}
	if err == nil {
		// The copy must outlast a power cut before the upgrade it makes up for commits.
		err = durable.SyncDir(filepath.Dir(copyPath))
	}
	if err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(copyPath)
		return "", err
	}
	return copyPath, nil
}

// upgradeFrom1 turns a format 1 file into the current format in one transaction: all of it or, if
// anything fails, none of it.
func upgradeFrom1(tx *bbolt.Tx) error {
	old := tx.Bucket(bucketStreams)
	if old == nil || tx.Bucket(bucketHeads1) == nil {
		return fmt.Errorf("%w: a bucket of format 1 (streams, heads) is missing", eventstore.ErrCorrupt)
	}
	// Format 1 keys are name + 0x00 + revision: each stream's keys are together, in revision order.
	type indexed struct {
		stream             string
		revision, position uint64
	}
	var entries []indexed
	first := map[string]uint64{} // stream -> position of its revision 0
	c := old.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		sep := len(k) - 9
		if sep < 1 || k[sep] != 0 || bytes.IndexByte(k[:sep], 0) >= 0 || len(v) != 8 {
			return fmt.Errorf("%w: format 1 streams index entry %q -> %x is malformed", eventstore.ErrCorrupt, k, v)
		}
		e := indexed{stream: string(k[:sep]), revision: binary.BigEndian.Uint64(k[sep+1:]), position: binary.BigEndian.Uint64(v)}
		switch prev := len(entries) - 1; {
		case e.revision == 0:
			first[e.stream] = e.position
		case prev < 0 || entries[prev].stream != e.stream || entries[prev].revision+1 != e.revision:
			return fmt.Errorf("%w: format 1 streams index: stream %q has revision %d without the one before it", eventstore.ErrCorrupt, e.stream, e.revision)
		}
		entries = append(entries, e)
	}

	streams := slices.SortedFunc(maps.Keys(first), func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	numbers := make(map[string]uint64, len(streams))
	for i, s := range streams {
		numbers[s] = uint64(i + 1)
	}
	// Every key is put in key order: bbolt splits nodes only at commit, so keys put out of order
	// into one large bucket are inserted into the middle of ever longer nodes, which took minutes
	// at a million events instead of seconds.
	slices.SortFunc(entries, func(a, b indexed) int {
		return cmp.Or(cmp.Compare(numbers[a.stream], numbers[b.stream]), cmp.Compare(a.revision, b.revision))
	})

	for _, name := range [][]byte{bucketStreams, bucketHeads1} {
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
	for _, e := range entries {
		if err := b.streams.Put(streamKey(numbers[e.stream], e.revision), u64(e.position)); err != nil {
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

// errUpgradeCopy is wrapped by the error of an upgrade that could not keep its copy first.
var errUpgradeCopy = errors.New("the format 1 file could not be copied before its upgrade")
