package api

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/labstack/echo/v4"
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
func (s *server) backup(c echo.Context) error {
	b, ok := s.Store.(HotBackup)
	if !ok {
		return newProblem(http.StatusServiceUnavailable, "backup_unavailable",
			"this server's store takes no hot backups: back up EventStoreDB with its own procedure (README, \"Backups of EventStoreDB\")")
	}
	f, err := os.CreateTemp(s.BackupDir, backupTempPattern)
	if err != nil {
		return backupFailed(err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	started := time.Now()
	n, err := b.Backup(f)
	if err != nil {
		return backupFailed(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return backupFailed(err)
	}
	s.Log.Info("backup copied", "bytes", n, "took", time.Since(started).String(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	name := fmt.Sprintf("ledger-%s.db", started.UTC().Format("20060102T150405Z"))
	// The server's write timeout is meant for ordinary answers; a store of any size must be able to
	// leave, however slow the link, so this answer has no write deadline. A client that stops
	// reading is still dropped by TCP keep-alive.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, BackupContentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	http.ServeContent(c.Response(), c.Request(), name, started, f)
	return nil
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
