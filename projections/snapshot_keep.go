package projections

import (
	"context"
	"time"

	"assurance-ledger/eventstore"
)

// SnapshotEvery says how often a running service saves the projections' snapshot: once Events
// events have been read since the last save, or once Interval has passed since it if any has been
// read; but never within MinGap of the last. Zero turns any of them off.
type SnapshotEvery struct {
	Events   int
	Interval time.Duration
	MinGap   time.Duration
}

// DefaultSnapshotEvery bounds what a restart after a crash reads beyond its snapshot to 100,000
// events (one to two seconds at the replay rates measured on the 2-core VM), or ten minutes of a
// quieter log. A save costs in proportion to the whole state, not to what is new (at 1,000,000
// events: 82 MB in ~2 s on that VM, the applier held up only while the plans' records are copied,
// ~0.75 us a plan), so under a sustained load of ~10,000 events/s saving every 100,000 would take
// a fifth of a core; MinGap caps that at one save a minute (~3% of a core), at the price of up to a
// minute of such a load to read again after a crash.
var DefaultSnapshotEvery = SnapshotEvery{Events: 100_000, Interval: 10 * time.Minute, MinGap: time.Minute}

// snapshotCheck is how often KeepSnapshots looks whether a save is due.
const snapshotCheck = 5 * time.Second

// KeepSnapshots saves the snapshot to path (SaveSnapshot) whenever every says one is due, until ctx
// ends. Only projections that have caught up are saved: during the first catch-up the lock a save
// takes would slow it, and the shutdown saves whatever it has reached (the caller's SaveSnapshot once
// Run has returned). A failed save is logged and tried again when the next is due: the log still
// holds every event.
func (p *Projector) KeepSnapshots(ctx context.Context, path string, every SnapshotEvery) {
	check := snapshotCheck
	if every.Interval > 0 {
		check = min(check, every.Interval)
	}
	tick := time.NewTicker(check)
	defer tick.Stop()
	// Counted from the last snapshot saved or restored (none: the start of the log), not from
	// where the projections happen to be when this starts, which may already be caught up.
	saved := p.saved.Load()
	last := snapshotMark{at: time.Now()}
	if saved != nil {
		last.read, last.pos = saved.read, saved.pos
	}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			cur := snapshotMark{read: p.read(), pos: p.Applied(), at: now}
			if p.Ready() != nil || !every.due(last, cur) {
				continue
			}
			info, err := p.SaveSnapshot(path)
			if err != nil {
				p.log.Warn("projections snapshot not saved", "snapshot", path, "error", err.Error())
			} else {
				p.log.Info("projections snapshot saved", "snapshot", path, "position", info.Position, "events", info.Events,
					"bytes", info.Bytes, "ms", time.Since(now).Milliseconds())
			}
			last = cur
		}
	}
}

// snapshotMark is how far the projections had come at a moment.
type snapshotMark struct {
	read int // events read, applied or skipped
	pos  eventstore.Position
	at   time.Time
}

// due reports whether a save is due at cur, the last having been at last.
func (e SnapshotEvery) due(last, cur snapshotMark) bool {
	if cur.pos == last.pos || (e.MinGap > 0 && cur.at.Sub(last.at) < e.MinGap) {
		return false
	}
	return (e.Events > 0 && cur.read-last.read >= e.Events) || (e.Interval > 0 && cur.at.Sub(last.at) >= e.Interval)
}

// read is how many events the projector has read from the log.
func (p *Projector) read() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.events + p.skipped
}
