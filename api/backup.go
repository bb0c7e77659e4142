package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/eventstore"
)

// HotBackup is what a store offers when it can copy itself consistently while it keeps taking
// appends (the embedded store: one bbolt read transaction). The running server holds the embedded
// store's file lock, so a backup of a live ledger must come through the server.
type HotBackup interface {
	Backup(w io.Writer) (int64, error)
}

// BackupContentType is the media type of GET /v1/admin/backup: the bytes of a store file.
const BackupContentType = "application/vnd.assurance-ledger.store"

// backup sends a consistent copy of the whole store: every event committed when the copy began, and
// nothing after. The copy is first written to a local temporary file and then sent from it: the
// store's read transaction lasts as long as a local disk copy, not as long as the client takes to
// download it (a long read transaction makes commits that grow the file wait). The response has a
// Content-Length, so a download cut short is seen as such.
//
// The copy is kept (backupCache) while nothing is recorded, so that asking again (a resumed
// download, a 1-byte Range, a client that retries) sends the same copy instead of making another
// of the whole store; only one copy is made at a time, and a request that would start a second
// is answered 429 backup_in_progress.
func (s *server) backup(c echo.Context) error {
	b, ok := s.Store.(HotBackup)
	if !ok {
		return newProblem(http.StatusServiceUnavailable, "backup_unavailable",
			"this server's store takes no hot backups: back up EventStoreDB with its own procedure (README, \"Backups of EventStoreDB\")")
	}
	f, cp, err := s.backups.open(c.Request().Context(), s.Store, b, s.BackupDir, s.Log, c.Response().Header().Get(echo.HeaderXRequestID))
	if err != nil {
		return err
	}
	defer f.Close()
	name := fmt.Sprintf("ledger-%s.db", cp.made.UTC().Format("20060102T150405Z"))
	// The server's write timeout is meant for ordinary answers; a store of any size must be able to
	// leave, however slow the link, so this answer has no write deadline. A client that stops
	// reading is still dropped by TCP keep-alive.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, BackupContentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	// A range of one copy must not be joined to a range of another (two copies of the same log
	// differ in their pages): If-Range with this ETag or the Last-Modified date resumes only the
	// same copy.
	h.Set("ETag", cp.etag)
	w := &refusalCapture{ResponseWriter: c.Response()}
	http.ServeContent(w, c.Request(), name, cp.made, f)
	switch w.status {
	case 0:
		return nil
	case http.StatusRequestedRangeNotSatisfiable:
		return newProblem(http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable",
			"the Range asked for lies outside the copy (its size is in Content-Range)", field("Range", "not satisfiable"))
	case http.StatusPreconditionFailed:
		return newProblem(http.StatusPreconditionFailed, "precondition_failed",
			"the copy does not match If-Match or If-Unmodified-Since", field("If-Match", "does not match"))
	default:
		return fmt.Errorf("serving a backup: status %d", w.status)
	}
}

// refusalCapture keeps http.ServeContent's refusals (a plain-text 412 or 416) from the client, so
// that they are answered as problem+json like every other error.
type refusalCapture struct {
	http.ResponseWriter
	status int // a refusal's status, once one was written
}

func (w *refusalCapture) WriteHeader(code int) {
	if code >= 400 {
		w.status = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *refusalCapture) Write(b []byte) (int, error) {
	if w.status != 0 {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (SetWriteDeadline above).
func (w *refusalCapture) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// backupIdle is how long a copy nobody asks for is kept before it is deleted.
const backupIdle = 10 * time.Minute

// backupCache is the last copy made, at the log position it holds.
type backupCache struct {
	copying sync.Mutex // held while a copy is made: one at a time

	mu   sync.Mutex
	last *backupCopy
}

type backupCopy struct {
	head eventstore.Position
	path string
	made time.Time
	etag string
	idle *time.Timer // deletes the copy once nobody has asked for it for backupIdle
}

// open returns the file of a copy of the store as it is now, opened for this request alone.
func (bc *backupCache) open(ctx context.Context, store eventstore.Store, b HotBackup, dir string, log *slog.Logger, requestID string) (*os.File, *backupCopy, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return nil, nil, backupFailed(err)
	}
	if f, cp := bc.reuse(head); f != nil {
		return f, cp, nil
	}
	if !bc.copying.TryLock() {
		p := newProblem(http.StatusTooManyRequests, "backup_in_progress",
			"a backup copy of the store is being made; ask again once it is done to be sent it")
		p.retryAfter = 5
		return nil, nil, p
	}
	defer bc.copying.Unlock()
	// The copy made while this request waited may be of this head; the head read again before
	// copying is the one the copy holds at least (nothing is recorded without moving it).
	if head, err = store.Head(ctx); err != nil {
		return nil, nil, backupFailed(err)
	}
	if f, cp := bc.reuse(head); f != nil {
		return f, cp, nil
	}
	tmp, err := os.CreateTemp(dir, backupTempPattern)
	if err != nil {
		return nil, nil, backupFailed(err)
	}
	started := time.Now()
	n, err := b.Backup(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, nil, backupFailed(err)
	}
	log.Info("backup copied", "bytes", n, "took", time.Since(started).String(), "position", head, "request_id", requestID)
	cp := &backupCopy{head: head, path: tmp.Name(), made: started, etag: fmt.Sprintf(`"%d-%d"`, head, started.UnixNano())}
	bc.mu.Lock()
	if old := bc.last; old != nil {
		old.idle.Stop()
		_ = os.Remove(old.path) // a download still reading it keeps its open file
	}
	bc.last = cp
	cp.idle = time.AfterFunc(backupIdle, func() { bc.expire(cp) })
	bc.mu.Unlock()
	f, err := os.Open(cp.path)
	if err != nil {
		return nil, nil, backupFailed(err)
	}
	return f, cp, nil
}

// reuse opens the last copy when it holds the log up to head.
func (bc *backupCache) reuse(head eventstore.Position) (*os.File, *backupCopy) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	cp := bc.last
	if cp == nil || cp.head != head {
		return nil, nil
	}
	f, err := os.Open(cp.path)
	if err != nil {
		return nil, nil
	}
	cp.idle.Reset(backupIdle)
	return f, cp
}

// expire deletes cp once it has not been asked for in backupIdle, unless a newer copy replaced it.
func (bc *backupCache) expire(cp *backupCopy) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.last == cp {
		bc.last = nil
		_ = os.Remove(cp.path)
	}
}

// backupTempPattern names the temporary copies backup makes; RemoveStaleBackups knows them by it.
const backupTempPattern = ".ledger-backup-*"

// RemoveStaleBackups deletes the temporary copies a backup left in dir when the process died
// mid-download (each as large as the store). Call it only while holding the store, so that no
// running server's copy is taken from under it. It returns how many it removed.
func RemoveStaleBackups(dir string) (int, error) {
	stale, err := filepath.Glob(filepath.Join(dir, backupTempPattern))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// backupFailed reports a backup that could not be made; nothing has been sent yet. A store that is
// closed or failing keeps its own problem (503 store_unavailable).
func backupFailed(err error) error {
	if p := toProblem(err); p.Status != http.StatusInternalServerError {
		return err
	}
	p := newProblem(http.StatusServiceUnavailable, "backup_failed", "the backup could not be made (is the temporary directory full?); it has been logged")
	p.retryAfter = 60
	return fmt.Errorf("%w: %v", p, err)
}
