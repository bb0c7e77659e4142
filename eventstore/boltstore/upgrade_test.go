package boltstore

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// v1Event is one event of a format 1 file written by writeFormat1.
type v1Event struct {
	stream string
	id     uuid.UUID
}

// writeFormat1 writes a store file as format 1 laid it out (streams keyed by name + 0x00 +
// revision, heads by name, no names bucket) holding events in the order given, and returns its
// path. What format 1 code wrote is also held by compat/testdata/fixture-v1, a real file.
func writeFormat1(t *testing.T, events []v1Event, edit func(tx *bbolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	at := time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		bs := map[string]*bbolt.Bucket{}
		for _, name := range []string{"events", "streams", "heads", "ids", "meta"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			bs[name] = b
		}
		revs := map[string]uint64{}
		for i, e := range events {
			pos := uint64(i + 1)
			rev, seen := revs[e.stream]
			if seen {
				rev++
			}
			revs[e.stream] = rev
			rec := eventstore.RecordedEvent{ID: e.id, Stream: e.stream, Revision: rev, Type: "E",
				Data: fmt.Appendf(nil, `{"n":%d}`, pos), Metadata: []byte(`{}`), RecordedAt: at}
			key := binary.BigEndian.AppendUint64(append([]byte(e.stream), 0), rev)
			for _, kv := range []struct {
				bucket string
				k, v   []byte
			}{
				{"events", u64(pos), encodeRecord(pos, &rec)},
				{"streams", key, u64(pos)},
				{"ids", e.id[:], u64(pos)},
				{"heads", []byte(e.stream), u64(rev)},
			} {
				if err := bs[kv.bucket].Put(kv.k, kv.v); err != nil {
					return err
				}
			}
		}
		for k, v := range map[string][]byte{"format": formatMarker, "version": u64(1), "last_position": u64(uint64(len(events)))} {
			if err := bs["meta"].Put([]byte(k), v); err != nil {
				return err
			}
		}
		if edit != nil {
			return edit(tx)
		}
		return nil
	}))
	require.NoError(t, db.Close())
	return path
}

// interleaved is streams written in turns, as concurrent writers leave them, plus "acct-1" and
// "acct-10", whose names sort into each other's neighbourhood.
func interleaved() []v1Event {
	var events []v1Event
	for round := range 4 {
		for _, s := range []string{"plan-b", "plan-a", "acct-1", "acct-10", "registry"} {
			if s == "acct-10" && round == 0 {
				continue // starts later than the others
			}
			events = append(events, v1Event{stream: s, id: uuid.New()})
		}
	}
	return events
}

// Open turns a format 1 file into the current format: every stream reads as it did, appends go on
// from each stream's head with the usual checks, a retried append is still recognised, and the
// file reopens as the current format.
func TestOpenUpgradesFormat1(t *testing.T) {
	events := interleaved()
	path := writeFormat1(t, events, nil)
	s, err := Open(path, Options{})
	require.NoError(t, err)
	ctx := t.Context()

	// The file as it was is kept beside it, whole, for a build that reads only format 1.
	kept := s.Format1Copy()
	require.NotEmpty(t, kept)
	assert.Regexp(t, `ledger\.db\.format1-\d{8}T\d{6}Z$`, kept)
	st, err := os.Stat(kept)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	copyDB, err := bbolt.Open(kept, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, copyDB.View(func(tx *bbolt.Tx) error {
		assert.Equal(t, u64(1), tx.Bucket(bucketMeta).Get(keyVersion))
		assert.Equal(t, len(events), tx.Bucket(bucketEvents).Stats().KeyN)
		assert.NotNil(t, tx.Bucket([]byte("heads")))
		return nil
	}))
	require.NoError(t, copyDB.Close())

	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, len(events))
	byStream := map[string][]eventstore.RecordedEvent{}
	for i, rec := range all {
		require.Equal(t, events[i].id, rec.ID)
		byStream[rec.Stream] = append(byStream[rec.Stream], rec)
	}
	for stream, want := range byStream {
		got, err := s.ReadStream(ctx, stream, 0, 0)
		require.NoError(t, err)
		assert.Equal(t, want, got, stream)
		got, err = s.ReadStream(ctx, stream, 2, 1)
		require.NoError(t, err)
		assert.Equal(t, want[2:3], got, "%s from revision 2", stream)
	}
	got, err := s.ReadStream(ctx, "acct", 0, 0)
	require.NoError(t, err)
	assert.Empty(t, got, "a prefix of stream names is no stream")

	last := byStream["acct-10"][len(byStream["acct-10"])-1]
	_, err = s.Append(ctx, "acct-10", eventstore.Exact(last.Revision-1), eventstore.Event{ID: uuid.New(), Type: "E", Data: []byte(`{}`)})
	var conflict *eventstore.ConflictError
	require.ErrorAs(t, err, &conflict, "the head survived the upgrade")
	assert.Equal(t, last.Revision, conflict.Actual)
	res, err := s.Append(ctx, "acct-10", eventstore.Exact(last.Revision), eventstore.Event{ID: uuid.New(), Type: "E", Data: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, last.Revision+1, res.NextRevision)
	assert.EqualValues(t, len(events)+1, res.Position)

	fresh := eventstore.Event{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}
	res, err = s.Append(ctx, "plan-c", eventstore.NoStream, fresh)
	require.NoError(t, err)
	assert.Zero(t, res.NextRevision)
	retried, err := s.Append(ctx, "plan-c", eventstore.NoStream, fresh)
	require.NoError(t, err)
	assert.Equal(t, res, retried, "a retried append is recognised")
	_, err = s.Append(ctx, "plan-a", eventstore.Any, eventstore.Event{ID: events[0].id, Type: "E", Data: []byte(`{}`)})
	require.ErrorIs(t, err, eventstore.ErrDuplicateEventID, "ids of upgraded events are still known")

	require.NoError(t, s.Close())
	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Empty(t, s.Format1Copy(), "nothing to upgrade the second time")
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		assert.Equal(t, u64(formatVersion), tx.Bucket(bucketMeta).Get(keyVersion))
		return nil
	}))
	got, err = s.ReadStream(ctx, "plan-c", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, fresh.ID, got[0].ID)
}

// A format 1 file that cannot be upgraded (its streams index has a gap or a malformed entry, a
// bucket is missing, its last position disagrees with its events) is refused as corrupt and left
// as it was, still format 1, with no copy of it left behind.
func TestOpenRefusesAFormat1FileItCannotUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(tx *bbolt.Tx) error
		want string
	}{
		{"a revision missing from the index", func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketStreams).Delete(binary.BigEndian.AppendUint64([]byte("acct-1\x00"), 1))
		}, `stream "acct-1" has revision 2 without the one before it`},
		{"a malformed index key", func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketStreams).Put([]byte("no-separator-here"), u64(1))
		}, "is malformed"},
		{"no heads bucket", func(tx *bbolt.Tx) error {
			return tx.DeleteBucket([]byte("heads"))
		}, "a bucket of format 1"},
		{"last position past the events", func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyLastPosition, u64(99))
		}, "meta says last position 99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFormat1(t, interleaved(), tc.edit)
			_, err := Open(path, Options{})
			require.ErrorIs(t, err, eventstore.ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)
			db, err := bbolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			defer db.Close()
			require.NoError(t, db.View(func(tx *bbolt.Tx) error {
				assert.Equal(t, u64(1), tx.Bucket(bucketMeta).Get(keyVersion))
				assert.Nil(t, tx.Bucket(bucketNames))
				return nil
			}))
			copies, err := filepath.Glob(path + ".format1-*")
			require.NoError(t, err)
			assert.Empty(t, copies)
		})
	}
}

// A format 1 file with a damaged event still upgrades (the index, not the events, is what is
// rebuilt from): the damaged event is reported where it is read, by its position, as before, and
// the other streams read as they did.
func TestOpenUpgradesAFormat1FileWithADamagedEvent(t *testing.T) {
	events := interleaved()
	path := writeFormat1(t, events, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		v := append([]byte(nil), b.Get(u64(3))...)
		v[len(v)/2] ^= 0x40
		return b.Put(u64(3), v)
	})
	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	ctx := t.Context()
	_, err = s.ReadAll(ctx, 0, 0)
	var corrupt *eventstore.CorruptError
	require.ErrorAs(t, err, &corrupt)
	assert.EqualValues(t, 3, corrupt.Position)
	_, err = s.ReadStream(ctx, events[2].stream, 0, 0)
	require.ErrorAs(t, err, &corrupt, "event 3 is %s's", events[2].stream)
	got, err := s.ReadStream(ctx, "plan-a", 0, 0)
	require.NoError(t, err)
	assert.Len(t, got, 4)
}

// The upgrade leaves the current layout's buckets and no other: format 1's heads index is gone.
func TestUpgradeLeavesTheCurrentLayout(t *testing.T) {
	path := writeFormat1(t, interleaved(), nil)
	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	fresh, err := Open(filepath.Join(t.TempDir(), "fresh.db"), Options{})
	require.NoError(t, err)
	defer fresh.Close()
	bucketsOf := func(s *Store) (names []string) {
		require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
				names = append(names, string(name))
				return nil
			})
		}))
		return names
	}
	assert.Equal(t, bucketsOf(fresh), bucketsOf(s))
	assert.NotContains(t, bucketsOf(s), "heads")
}

// The format 1 copy is written under a temporary name and renamed: what a cut left under either name
// (a torn temporary file, or the whole copy of an upgrade that did not commit, in the same second)
// does not stop the next upgrade, which leaves one whole copy and no temporary file.
func TestFormat1CopyReplacesWhatAnInterruptedUpgradeLeft(t *testing.T) {
	path := writeFormat1(t, interleaved(), nil)
	now := time.Date(2026, 12, 7, 15, 17, 17, 0, time.UTC)
	copyPath := path + ".format1-20261207T151717Z"
	require.NoError(t, os.WriteFile(copyPath+".tmp", []byte("torn by a power cut"), 0o600))
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	for range 2 { // the second as after a cut before the upgrade committed
		kept, err := keepFormat1Copy(db, path, now)
		require.NoError(t, err)
		assert.Equal(t, copyPath, kept)
	}
	copies, err := filepath.Glob(path + ".format1-*")
	require.NoError(t, err)
	assert.Equal(t, []string{copyPath}, copies)
	require.NoError(t, db.Close())
	copyDB, err := bbolt.Open(copyPath, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer copyDB.Close()
	require.NoError(t, copyDB.View(func(tx *bbolt.Tx) error {
		assert.Equal(t, u64(1), tx.Bucket(bucketMeta).Get(keyVersion), "the copy is the format 1 file, whole")
		assert.Equal(t, len(interleaved()), tx.Bucket(bucketEvents).Stats().KeyN)
		return nil
	}))
}
