package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"assurance-ledger/eventstore"
	"assurance-ledger/internal/durable"
)

// SnapshotFile is the file under the data directory that holds the projections' snapshot, beside
// the ledger tree's checkpoint, whichever store holds the events.
const SnapshotFile = "projections.snap"

// SaveSnapshot writes the snapshot (WriteSnapshot) to path: into path + ".tmp", which is synced,
// renamed over path, and the directory synced, so that path holds the last snapshot or the one
// before it, whole, whenever the process stops. The temporary file has a fixed name so that one a
// crash left behind is overwritten by the next save rather than kept; saves to one path must
// therefore not overlap (a data directory has one server).
func (p *Projector) SaveSnapshot(path string) (SnapshotInfo, error) {
	snap, info, err := p.snapshot()
	if err != nil {
		return SnapshotInfo{}, err
	}
	tmp, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("projections: snapshot: %w", err)
	}
	_, err = tmp.Write(snap)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return SnapshotInfo{}, fmt.Errorf("projections: writing the snapshot %s: %w", path, err)
	}
	if err := durable.SyncDir(filepath.Dir(path)); err != nil {
		return SnapshotInfo{}, fmt.Errorf("projections: snapshot %s: syncing its directory: %w", path, err)
	}
	p.saved.Store(&snapshotMark{read: info.Events + info.Skipped, pos: info.Position})
	return info, nil
}

// RestoreOrNew returns a projector for store restored from the snapshot at path (Restore), or a new
// one that will fold the whole log when there is none to use. A snapshot Restore refuses is renamed
// to path + ".rejected", with a logged warning saying why: it is only a cache of the log, and must
// not keep the service from starting. An error reading the file (other than its absence) or the
// log is returned.
func RestoreOrNew(ctx context.Context, store eventstore.Store, path string, log *slog.Logger) (*Projector, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		log.Info("no projections snapshot: the projections are built from the whole log", "snapshot", path)
		return New(store, log), nil
	}
	if err != nil {
		return nil, fmt.Errorf("projections: reading the snapshot: %w", err)
	}
	p, err := restore(ctx, store, log, data)
	if err == nil {
		log.Info("projections restored from their snapshot; reading the log from its position",
			"snapshot", path, "position", p.Applied(), "events", p.Events(), "bytes", len(data), "ms", time.Since(start).Milliseconds())
		return p, nil
	}
	if !refused(err) {
		return nil, err
	}
	aside := path + ".rejected"
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, fmt.Errorf("%w (and it could not be set aside: %v)", err, rerr)
	}
	log.Warn("projections snapshot refused: set aside, the projections are built from the whole log", "error", err.Error(), "moved_to", aside)
	return New(store, log), nil
}
