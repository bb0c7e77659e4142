package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

var (
	bucketEvents  = []byte("events")
	bucketNames   = []byte("names")
	bucketStreams = []byte("streams")
	bucketIDs     = []byte("ids")
	bucketMeta    = []byte("meta")

	keyFormat       = []byte("format")
	keyVersion      = []byte("version")
	keyLastPosition = []byte("last_position")

	// formatMarker identifies a ledger store among bbolt files.
	formatMarker = []byte("assurance-ledger/eventstore/boltstore")
)

// formatVersion changes whenever the layout does; Open upgrades the versions it knows (upgrade.go)
// and refuses any other.
const formatVersion uint64 = 2

// ErrNotStore is matched (errors.Is) by the error of Open on a file that is not a ledger store.
var ErrNotStore = errors.New("boltstore: not a ledger store")

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

// streamKey returns the streams-bucket key of (stream number, revision).
func streamKey(number, revision uint64) []byte {
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, number)
	return binary.BigEndian.AppendUint64(k, revision)
}

// buckets are the handles of one transaction.
type buckets struct {
	events, names, streams, ids, meta *bbolt.Bucket
}

func openBuckets(tx *bbolt.Tx) (buckets, error) {
	b := buckets{
		events:  tx.Bucket(bucketEvents),
		names:   tx.Bucket(bucketNames),
		streams: tx.Bucket(bucketStreams),
		ids:     tx.Bucket(bucketIDs),
		meta:    tx.Bucket(bucketMeta),
	}
	if b.events == nil || b.names == nil || b.streams == nil || b.ids == nil || b.meta == nil {
		return b, errors.New("a bucket of the ledger layout is missing")
	}
	// Positions only grow, so events pages are split full. Stream numbers grow too, but a stream's
	// later events land behind newer streams' first ones, so streams pages keep a little room.
	// Names and event ids (UUIDv7: ordered only roughly across writers) keep bbolt's default.
	b.events.FillPercent = 1.0
	b.streams.FillPercent = 0.9
	return b, nil
}

// openReadBuckets opens what reads use, the events, the stream names and the streams index:
// opening a bucket allocates (an inline one is copied), and reads serve every GET of a plan.
func openReadBuckets(tx *bbolt.Tx) (buckets, error) {
	b := buckets{events: tx.Bucket(bucketEvents), names: tx.Bucket(bucketNames), streams: tx.Bucket(bucketStreams)}
	if b.events == nil || b.names == nil || b.streams == nil {
		return b, errors.New("a bucket of the ledger layout is missing")
	}
	return b, nil
}

// streamNumber returns the number of a stream; false if it has no event yet.
func (b buckets) streamNumber(stream string) (uint64, bool, error) {
	v := b.names.Get([]byte(stream))
	switch len(v) {
	case 0:
		return 0, false, nil
	case 8:
		return binary.BigEndian.Uint64(v), true, nil
	default:
		return 0, false, fmt.Errorf("%w: number of stream %q is %d bytes", eventstore.ErrCorrupt, stream, len(v))
	}
}

// layOut creates the buckets of the current layout and the meta keys of an empty store.
func layOut(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketEvents, bucketNames, bucketStreams, bucketIDs, bucketMeta} {
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	for _, kv := range [][2][]byte{{keyFormat, formatMarker}, {keyVersion, u64(formatVersion)}, {keyLastPosition, u64(0)}} {
		if err := meta.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// prepare checks that db holds a ledger store of a known version, laying one out if db is empty
// and upgrading one of format 1 (after keeping a copy of it, whose path it returns), and returns
// the last position written.
func prepare(db *bbolt.DB, path string) (last eventstore.Position, format1Copy string, err error) {
	// A file shorter than its own high-water mark was cut short (a partial copy, a disk that filled
	// during a copy): the pages past its end cannot be read (SIGBUS, which Open turns into an error).
	err = db.View(func(tx *bbolt.Tx) error {
		if st, err := os.Stat(path); err == nil && st.Size() < tx.Size() {
			return fmt.Errorf("%w: store file %s is damaged: %d bytes long, but its pages reach %d bytes (a truncated copy?)", eventstore.ErrCorrupt, path, st.Size(), tx.Size())
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	empty := true
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func([]byte, *bbolt.Bucket) error {
			empty = false
			return nil
		})
	})
	if err != nil {
		return 0, "", fmt.Errorf("read store file %s: %w", path, err)
	}
	if empty {
		// A bbolt file without buckets holds no data: it is a store whose creation stopped before
		// its layout was committed, or one bbolt made from an empty file. Either way nothing is lost.
		if err := db.Update(layOut); err != nil {
			return 0, "", fmt.Errorf("lay out store file %s: %w", path, err)
		}
		return 0, "", nil
	}

	// What every format has: the marker, the version, the last position and the events that must
	// end there. Checked before an upgrade, so that a damaged file is refused as it is, not
	// upgraded first.
	var version uint64
	err = db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || !bytes.Equal(meta.Get(keyFormat), formatMarker) {
			return fmt.Errorf("%w: %s is a bbolt file of something else", ErrNotStore, path)
		}
		v := meta.Get(keyVersion)
		if len(v) != 8 {
			return fmt.Errorf("%w: store file %s is damaged: format version is %d bytes", eventstore.ErrCorrupt, path, len(v))
		}
		version = binary.BigEndian.Uint64(v)
		if version != formatVersion && version != 1 {
			return fmt.Errorf("store file %s has format version %d; this build reads versions 1 (which it upgrades) and %d only", path, version, formatVersion)
		}
		events := tx.Bucket(bucketEvents)
		if events == nil {
			return fmt.Errorf("%w: store file %s is damaged: a bucket of the ledger layout is missing", eventstore.ErrCorrupt, path)
		}
		v = meta.Get(keyLastPosition)
		if len(v) != 8 {
			return fmt.Errorf("%w: store file %s is damaged: last position is %d bytes", eventstore.ErrCorrupt, path, len(v))
		}
		last = binary.BigEndian.Uint64(v)
		// The events bucket is the truth; the two disagreeing means something other than this
		// package wrote the file, and appending would overwrite events.
		var stored eventstore.Position
		if k, _ := events.Cursor().Last(); len(k) == 8 {
			stored = binary.BigEndian.Uint64(k)
		} else if k != nil {
			return fmt.Errorf("%w: store file %s is damaged: an events key is %d bytes", eventstore.ErrCorrupt, path, len(k))
		}
		if stored != last {
			return fmt.Errorf("%w: store file %s is damaged: meta says last position %d, events end at %d", eventstore.ErrCorrupt, path, last, stored)
		}
		if version == formatVersion {
			if _, err := openBuckets(tx); err != nil {
				return fmt.Errorf("%w: store file %s is damaged: %w", eventstore.ErrCorrupt, path, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	if version == 1 { // upgradeFrom1 lays out the current buckets, or fails and changes nothing
		if format1Copy, err = keepFormat1Copy(db, path, time.Now()); err != nil {
			return 0, "", fmt.Errorf("upgrade store file %s from format version 1: %w: %w", path, errUpgradeCopy, err)
		}
		if err := db.Update(upgradeFrom1); err != nil {
			_ = os.Remove(format1Copy) // nothing was changed: the file is its own copy
			return 0, "", fmt.Errorf("upgrade store file %s from format version 1: %w", path, err)
		}
	}
	return last, format1Copy, nil
}
