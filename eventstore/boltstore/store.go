package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"assurance-ledger/eventstore"
	"assurance-ledger/internal/durable"
)

// ErrLocked is matched (errors.Is) by the error of Open on a file that another Store holds.
var ErrLocked = errors.New("boltstore: file lock not acquired")

// Options tune Open. The zero value is the durable production setting.
type Options struct {
	// Timeout bounds the wait for the file lock that keeps two processes from writing one file;
	// <= 0 means one second. Waiting forever (bbolt's default) would hang a second "ledger serve"
	// instead of telling the operator why it cannot start.
	Timeout time.Duration

	// NoSync skips fsync on commit. It voids durability: an acknowledged append may be lost, and the
	// file may be left unusable, on a crash or power loss. For tests and benchmarks only.
	NoSync bool

	// PageSize is the page size of a file Open creates (an existing file keeps its own); 0: the
	// operating system's. Larger pages take fewer writes to commit a large transaction: ledger
	// audit writes its mirror several MiB a commit.
	PageSize int

	// InitialMmapSize is how much of the file is mapped from the start (0: bbolt's default). The map
	// grows, doubling, as the file does, and each time every page a write transaction has changed
	// is copied out of the old map first: a store written a few MiB a commit from empty (ledger
	// audit's mirror) spent a tenth of its writing on those copies. Mapping is address space, not
	// memory: pages are read in only when used.
	InitialMmapSize int

	// maxSize caps the file size so that tests can make a commit fail as a full disk would.
	maxSize int
}

// Store is an eventstore.Store on a bbolt file. Create it with Open.
type Store struct {
	db          *bbolt.DB
	path        string
	format1Copy string // where Open kept the file as it was before upgrading it; "" if it did not

	reqs       chan *appendRequest // unbuffered: a request handed over is one the writer will answer
	closing    chan struct{}       // closed by Close: refuse appends, wake subscribers
	writerDone chan struct{}
	closeOnce  sync.Once
	closeErr   error

	commitMu  sync.Mutex
	committed chan struct{} // closed, then replaced, after each commit that wrote events

	// A read of the log from its start has the file read ahead of it (prefetch_linux.go).
	backgroundMu     sync.Mutex // orders a prefetch's start against Close
	prefetching      atomic.Bool
	prefetches       atomic.Uint64 // finished, for tests
	prefetchedChunks atomic.Uint64 // asked for, for tests
	background       sync.WaitGroup

	head    atomic.Uint64 // last committed position
	changes *changes      // per stream (by hash), the last position committed since Open
	stats   struct {
		appendsRequested, appendsWritten, batchesCommitted, eventsWritten atomic.Uint64
	}

	// Owned by the writer goroutine.
	lastAt   time.Time // RecordedAt of the last commit, so that RecordedAt never decreases
	batchBuf []*appendRequest
	heads    streamHeads // where recently written streams end (heads.go)
	records  arena       // the records of the batch being written (arena.go)
}

var _ eventstore.Store = (*Store)(nil)

// Format1Copy is where Open kept a copy of the file as it was before upgrading it from format 1
// (upgrade.go), for going back to a build that reads only format 1; "" if Open upgraded nothing.
func (s *Store) Format1Copy() string { return s.format1Copy }

// Open opens the ledger store in the bbolt file at path, creating the file (mode 0600) if it does
// not exist. It refuses a file that is not a ledger store, and one that another Store holds.
func Open(path string, opts Options) (_ *Store, err error) {
	// A damaged file can make bbolt read past the end of its mapping (a fault) or trip one of its
	// own assertions (a panic): either must be an error here, not the end of the process. The file
	// and its lock are then held until the process exits, which it usually does on this error.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: store file %s is damaged: %v", eventstore.ErrCorrupt, path, r)
		}
	}()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist) && !opts.NoSync:
		if err := createFile(path, timeout, opts.PageSize); err != nil {
			return nil, fmt.Errorf("create store file %s: %w", path, err)
		}
	case err == nil:
		_ = os.Remove(path + ".new") // left by a cut after the store was linked into place
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         timeout,
		NoSync:          opts.NoSync,
		FreelistType:    bbolt.FreelistMapType,
		MaxSize:         opts.maxSize,
		PageSize:        opts.PageSize,
		InitialMmapSize: opts.InitialMmapSize,
	})
	switch {
	case err == nil:
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("store file %s is locked by another process (is another \"ledger serve\" running on this data directory?): %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("%w: %s is not a bbolt file (%v)", ErrNotStore, path, err)
	default:
		return nil, fmt.Errorf("open store file %s: %w", path, err)
	}

	last, format1Copy, err := prepare(db, path)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{
		db:          db,
		path:        path,
		format1Copy: format1Copy,
		reqs:        make(chan *appendRequest),
		closing:     make(chan struct{}),
		writerDone:  make(chan struct{}),
		committed:   make(chan struct{}),
		changes:     newChanges(),
	}
	s.head.Store(last)
	if last > 0 {
		// A damaged last record is reported by the reads that meet it; here it only costs the
		// guard against a clock that went backwards while the store was closed.
		if evs, err := s.ReadAll(context.Background(), last-1, 1); err == nil && len(evs) == 1 {
			s.lastAt = evs[0].RecordedAt
		}
	}
	go s.write()
	return s, nil
}

// createFile lays out an empty bbolt file at path whole or not at all: under a temporary name,
// synced by bbolt, then linked to path (which fails if another process made path meanwhile, whose
// file is then used), and the directory synced. bbolt creating path itself would give it its name
// before its first pages are synced: a power cut could leave path torn (a store no start would
// open again) or, its directory never synced, take it away with every append acknowledged in it.
func createFile(path string, timeout time.Duration, pageSize int) error {
	tmp := path + ".new"
	// What a cut left under this name was never the store: it is laid out anew.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	db, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: timeout, FreelistType: bbolt.FreelistMapType, PageSize: pageSize})
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	err = os.Link(tmp, path)
	_ = os.Remove(tmp)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return durable.SyncDir(filepath.Dir(path))
}

// Path returns the file the store was opened on.
func (s *Store) Path() string { return s.path }

// Close stops taking appends (they fail with eventstore.ErrClosed), lets the batch being
// committed finish, ends subscriptions and closes the file. Later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.writerDone
		s.backgroundMu.Lock() // a prefetch starting now sees closing; one started before is counted
		s.backgroundMu.Unlock()
		s.background.Wait()
		closeWaited()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

func (s *Store) closed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Backup writes a consistent copy of the whole store file to w while appends go on, and returns
// the number of bytes written. The copy opens with Open. Commits that must grow the file wait
// until the copy is done.
func (s *Store) Backup(w io.Writer) (int64, error) {
	if s.closed() {
		return 0, eventstore.ErrClosed
	}
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, closedErr(err)
}

// closedErr reports bbolt's "not open", met by a call racing Close, as the port's ErrClosed.
func closedErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return eventstore.ErrClosed
	}
	return err
}

// Stats counts the store's work since Open.
type Stats struct {
	AppendsRequested uint64 // Append calls handed to the writer
	AppendsWritten   uint64 // appends whose events were committed (not refused, not replayed)
	BatchesCommitted uint64 // write transactions committed: one fsync each unless NoSync
	EventsWritten    uint64
}

// EventsPerCommit is the average number of events made durable by one fsync.
func (st Stats) EventsPerCommit() float64 {
	if st.BatchesCommitted == 0 {
		return 0
	}
	return float64(st.EventsWritten) / float64(st.BatchesCommitted)
}

// Stats returns the counters; each is read atomically, the set is not a snapshot.
func (s *Store) Stats() Stats {
	return Stats{
		AppendsRequested: s.stats.appendsRequested.Load(),
		AppendsWritten:   s.stats.appendsWritten.Load(),
		BatchesCommitted: s.stats.batchesCommitted.Load(),
		EventsWritten:    s.stats.eventsWritten.Load(),
	}
}
