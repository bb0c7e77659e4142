package boltstore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/eventstore/storetest"
)

// openTemp opens a durable store in a fresh file.
func openTemp(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	return s
}

func TestContract(t *testing.T) {
	t.Parallel() // mostly waiting on fsync: the other contract run and the tests after overlap it
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) eventstore.Store { return openTemp(t) },
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			path := s.(*boltstore.Store).Path()
			require.NoError(t, s.Close())
			s2, err := boltstore.Open(path, boltstore.Options{})
			require.NoError(t, err)
			return s2
		},
	})
}

func TestOpenLockedFile(t *testing.T) {
	s := openTemp(t)
	start := time.Now()
	_, err := boltstore.Open(s.Path(), boltstore.Options{Timeout: 100 * time.Millisecond})
	require.ErrorIs(t, err, boltstore.ErrLocked)
	require.ErrorContains(t, err, s.Path())
	require.ErrorContains(t, err, `is locked by another process (is another "ledger serve" running on this data directory?)`)
	require.Less(t, time.Since(start), 5*time.Second)

	require.NoError(t, s.Close())
	s2, err := boltstore.Open(s.Path(), boltstore.Options{})
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, s2.Close())
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	info, err := os.Stat(s.Path())
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

// A new store file is laid out under a temporary name and linked into place (a power cut must
// never leave a torn store under its name: TestPowerLossAtFirstStart); what a cut left under the
// temporary name is never taken for it, and is gone once the store is open.
func TestOpenLaysOutANewFileUnderATemporaryName(t *testing.T) {
	for _, existing := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "ledger.db")
		if existing {
			s, err := boltstore.Open(path, boltstore.Options{})
			require.NoError(t, err)
			require.NoError(t, s.Close())
		}
		require.NoError(t, os.WriteFile(path+".new", []byte("torn by a power cut"), 0o600))
		s, err := boltstore.Open(path, boltstore.Options{})
		require.NoError(t, err)
		_, err = s.Append(t.Context(), "acct", eventstore.NoStream, newEvent("E", "x"))
		require.NoError(t, err)
		require.NoError(t, s.Close())
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "existing store: %v", existing)
		assert.Equal(t, "ledger.db", entries[0].Name())
	}
}

func TestOpenAcceptsEmptyFiles(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"zero bytes": func(t *testing.T, path string) { require.NoError(t, os.WriteFile(path, nil, 0o600)) },
		"bbolt file without buckets": func(t *testing.T, path string) {
			db, err := bbolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			require.NoError(t, db.Close())
		},
	}
	for name, create := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			create(t, path)
			s, err := boltstore.Open(path, boltstore.Options{})
			require.NoError(t, err)
			defer s.Close()
			_, err = s.Append(t.Context(), "acct", eventstore.NoStream, newEvent("E", "x"))
			require.NoError(t, err)
		})
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	// withBolt creates a store file (or a bare bbolt file) and then alters it with bbolt directly.
	withBolt := func(asStore bool, alter func(tx *bbolt.Tx) error) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			if asStore {
				s, err := boltstore.Open(path, boltstore.Options{})
				require.NoError(t, err)
				_, err = s.Append(t.Context(), "acct", eventstore.NoStream, newEvent("E", "x"))
				require.NoError(t, err)
				require.NoError(t, s.Close())
			}
			db, err := bbolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			require.NoError(t, db.Update(alter))
			require.NoError(t, db.Close())
		}
	}
	cases := []struct {
		name   string
		create func(t *testing.T, path string)
		isNot  bool // errors.Is ErrNotStore
		want   string
	}{
		{"small text file", writeFile([]byte("not a database\n")), true, "not a bbolt file"},
		{"large text file", writeFile(bytes.Repeat([]byte("not a database\n"), 1000)), true, "not a bbolt file"},
		{"other bbolt file", withBolt(false, func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket([]byte("users"))
			if err != nil {
				return err
			}
			return b.Put([]byte("ann"), []byte("admin"))
		}), true, "bbolt file of something else"},
		{"foreign meta marker", withBolt(false, func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket([]byte("meta"))
			if err != nil {
				return err
			}
			return b.Put([]byte("format"), []byte("someone-else"))
		}), true, "bbolt file of something else"},
		{"newer format version", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("meta")).Put([]byte("version"), binary.BigEndian.AppendUint64(nil, boltstore.FormatVersion+1))
		}), false, fmt.Sprintf("has format version %d", boltstore.FormatVersion+1)},
		{"malformed format version", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte{1})
		}), false, "damaged"},
		{"missing bucket", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.DeleteBucket([]byte("ids"))
		}), false, "damaged"},
		{"malformed last position", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("meta")).Put([]byte("last_position"), []byte{1})
		}), false, "damaged"},
		{"last position behind the events", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("meta")).Put([]byte("last_position"), binary.BigEndian.AppendUint64(nil, 0))
		}), false, "meta says last position 0, events end at 1"},
		{"malformed events key", withBolt(true, func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte("events")).Put([]byte("zzzzzzzzz"), []byte("x"))
		}), false, "damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			tc.create(t, path)
			before, err := os.ReadFile(path)
			require.NoError(t, err)

			_, err = boltstore.Open(path, boltstore.Options{})
			require.Error(t, err)
			require.ErrorContains(t, err, path)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, tc.isNot, errors.Is(err, boltstore.ErrNotStore), "errors.Is(%v, ErrNotStore)", err)

			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, bytes.Equal(before, after), "a refused file must be left as it was")
		})
	}

	t.Run("directory", func(t *testing.T) {
		_, err := boltstore.Open(t.TempDir(), boltstore.Options{})
		require.ErrorContains(t, err, "open store file")
	})
}

func writeFile(content []byte) func(t *testing.T, path string) {
	return func(t *testing.T, path string) { require.NoError(t, os.WriteFile(path, content, 0o600)) }
}

func newEvent(typ, data string) eventstore.Event {
	return eventstore.Event{ID: uuid.New(), Type: typ, Data: []byte(data)}
}

// TestCorruptRecordIsReported damages one event's bytes in the file, as a failing disk would, and
// checks that every read meeting it reports the position instead of serving the damaged data.
func TestCorruptRecordIsReported(t *testing.T) {
	s := openTemp(t)
	path := s.Path()
	ctx := t.Context()
	const marker = "MARKER-5f1c9a2e-unique"
	first, err := s.Append(ctx, "acct", eventstore.NoStream, newEvent("E", "before"))
	require.NoError(t, err)
	damaged, err := s.Append(ctx, "acct", eventstore.Exact(0), newEvent("E", `{"note":"`+marker+`"}`))
	require.NoError(t, err)
	_, err = s.Append(ctx, "acct", eventstore.Exact(1), newEvent("E", "after"))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	// Copy-on-write may leave stale copies of the page in free pages; damage them all.
	n := 0
	for i := bytes.Index(raw, []byte(marker)); i >= 0; i = bytes.Index(raw, []byte(marker)) {
		raw[i] ^= 0x20
		n++
	}
	require.NotZero(t, n, "marker not found in the file")
	require.NoError(t, os.WriteFile(path, raw, 0o600))

	s, err = boltstore.Open(path, boltstore.Options{})
	require.NoError(t, err, "a damaged record does not keep the store from opening")
	defer s.Close()

	requireCorruptAt := func(err error) {
		t.Helper()
		require.ErrorIs(t, err, eventstore.ErrCorrupt)
		var corrupt *eventstore.CorruptError
		require.True(t, errors.As(err, &corrupt))
		require.Equal(t, damaged.Position, corrupt.Position)
		require.ErrorContains(t, err, fmt.Sprintf("position %d", damaged.Position))
	}
	_, err = s.ReadAll(ctx, 0, 0)
	requireCorruptAt(err)
	_, err = s.ReadStream(ctx, "acct", 0, 0)
	requireCorruptAt(err)

	// The records around it still read.
	got, err := s.ReadAll(ctx, 0, 1)
	require.NoError(t, err)
	require.Equal(t, first.Position, got[0].Position)
	got, err = s.ReadAll(ctx, damaged.Position, 0)
	require.NoError(t, err)
	require.Len(t, got, 1)

	// A subscription yields up to the damage, then reports it and ends.
	var yielded int
	var end error
	for _, err := range s.Subscribe(ctx, 0) {
		if err != nil {
			end = err
			break
		}
		yielded++
	}
	require.Equal(t, 1, yielded)
	requireCorruptAt(end)
}

// TestAppendsShareCommits checks the point of the single writer: concurrent appends are made
// durable by fewer fsyncs than there are appends.
func TestAppendsShareCommits(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range each {
				_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", w), eventstore.Any, newEvent("E", "x"))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	t.Logf("%+v, %.1f events per commit", st, st.EventsPerCommit())
	require.EqualValues(t, writers*each, st.AppendsRequested)
	require.EqualValues(t, writers*each, st.AppendsWritten)
	require.EqualValues(t, writers*each, st.EventsWritten)
	require.NotZero(t, st.BatchesCommitted)
	require.Less(t, st.BatchesCommitted, st.AppendsRequested, "appends must share commits")
	require.Greater(t, st.EventsPerCommit(), 1.0)
}

func TestRefusalsCommitNothing(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	require.Zero(t, s.Stats().EventsPerCommit())
	e := newEvent("E", "x")
	_, err := s.Append(t.Context(), "acct", eventstore.NoStream, e)
	require.NoError(t, err)
	_, err = s.Append(t.Context(), "acct", eventstore.NoStream, newEvent("E", "y"))
	require.ErrorIs(t, err, eventstore.ErrConflict)
	_, err = s.Append(t.Context(), "acct", eventstore.NoStream, e) // replay
	require.NoError(t, err)
	st := s.Stats()
	require.EqualValues(t, 3, st.AppendsRequested)
	require.EqualValues(t, 1, st.AppendsWritten)
	require.EqualValues(t, 1, st.BatchesCommitted, "a refusal or a replay costs no fsync")
}

func TestRecordedAtNeverDecreases(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for range 10 {
				_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", w), eventstore.Any, newEvent("E", "x"))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	all, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	for i := 1; i < len(all); i++ {
		require.False(t, all[i].RecordedAt.Before(all[i-1].RecordedAt), "positions %d and %d", all[i-1].Position, all[i].Position)
	}
}

// TestCommitFailureIsUnavailable fills the file up to its size cap: the commit fails, the append
// reports ErrUnavailable, nothing of it is visible, and the store keeps working.
func TestCommitFailureIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.WithMaxSize(boltstore.Options{}, 1<<20))
	require.NoError(t, err)
	defer s.Close()
	ctx := t.Context()
	_, err = s.Append(ctx, "acct", eventstore.NoStream, newEvent("E", "small"))
	require.NoError(t, err)
	before, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)

	big := newEvent("E", strings.Repeat("x", 2<<20))
	_, err = s.Append(ctx, "acct", eventstore.Exact(0), big)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)

	after, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Equal(t, before, after)
	h, err := s.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, before[0].Position, h)
	require.Zero(t, s.Stats().EventsWritten-1, "the failed commit is not counted")

	res, err := s.Append(ctx, "acct", eventstore.Exact(0), newEvent("E", "small again"))
	require.NoError(t, err)
	require.Equal(t, before[0].Position+1, res.Position, "positions stay contiguous after a failed commit")
}

// TestCancelRacingAppend cancels appends at arbitrary moments: whatever an append reports must be
// the truth, since it waits for its batch once the writer has it.
func TestCancelRacingAppend(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	var mu sync.Mutex
	outcome := map[uuid.UUID]error{}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(time.Duration(i%8)*100*time.Microsecond, cancel)
			e := newEvent("E", "x")
			_, err := s.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.NoStream, e)
			cancel()
			mu.Lock()
			outcome[e.ID] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	all, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	stored := map[uuid.UUID]bool{}
	for _, e := range all {
		stored[e.ID] = true
	}
	for id, err := range outcome {
		if err == nil {
			require.True(t, stored[id], "acknowledged %s is not stored", id)
		} else {
			require.ErrorIs(t, err, context.Canceled)
			require.False(t, stored[id], "%s is stored although its append reported %v", id, err)
		}
	}
}

func TestReadStreamWithNULNameFindsNothing(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	_, err := s.Append(t.Context(), "acct", eventstore.NoStream, newEvent("E", "x"))
	require.NoError(t, err)
	// "acct\x00" would seek into the index keys of "acct" if it were not refused.
	for _, name := range []string{"acct\x00", "acct\x00\x00", "\x00"} {
		got, err := s.ReadStream(t.Context(), name, 0, 0)
		require.NoError(t, err)
		require.Empty(t, got, "%q", name)
	}
}

// TestBackupWhileWriting takes a backup while appends go on: it must open as a store holding a
// prefix of the log, with nothing torn.
func TestBackupWhileWriting(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	for i := range 50 {
		_, err := s.Append(ctx, "acct", eventstore.Any, newEvent("E", fmt.Sprint(i)))
		require.NoError(t, err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := s.Append(ctx, "live", eventstore.Any, newEvent("E", fmt.Sprint(i)))
			assert.NoError(t, err)
		}
	})
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	require.EqualValues(t, buf.Len(), n)

	backupPath := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, os.WriteFile(backupPath, buf.Bytes(), 0o600))
	b, err := boltstore.Open(backupPath, boltstore.Options{})
	require.NoError(t, err)
	defer b.Close()
	inBackup, err := b.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(inBackup), 50)
	require.Equal(t, all[:len(inBackup)], inBackup)
	h, err := b.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, inBackup[len(inBackup)-1].Position, h)

	require.NoError(t, s.Close())
	_, err = s.Backup(io.Discard)
	require.ErrorIs(t, err, eventstore.ErrClosed)
}

// TestCloseWhileBusy closes the store under appenders, subscribers and readers: nothing may panic
// or hang, everyone learns of the close, and exactly the acknowledged appends are in the file.
func TestCloseWhileBusy(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	var acknowledged atomic.Int64
	started := make(chan struct{}, 16)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := s.Append(ctx, fmt.Sprintf("s-%d", w), eventstore.Any, newEvent("E", "x"), newEvent("E", "y"))
				if err != nil {
					assert.ErrorIs(t, err, eventstore.ErrClosed)
					return
				}
				acknowledged.Add(2)
				if i == 0 {
					started <- struct{}{}
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			var last eventstore.Position
			for e, err := range s.Subscribe(ctx, 0) {
				if err != nil {
					assert.ErrorIs(t, err, eventstore.ErrClosed)
					return
				}
				assert.Greater(t, e.Position, last)
				last = e.Position
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for {
				if _, err := s.ReadAll(ctx, 0, 10); err != nil {
					assert.ErrorIs(t, err, eventstore.ErrClosed)
					return
				}
			}
		})
	}
	for range 8 {
		<-started
	}
	require.NoError(t, s.Close())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("goroutines still running 10s after Close")
	}
	require.NoError(t, s.Close(), "Close is idempotent")

	s, err := boltstore.Open(s.Path(), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.EqualValues(t, acknowledged.Load(), len(all), "stored events = acknowledged events")
}
