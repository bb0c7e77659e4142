// Package service builds a running ledger from options: the command handler, the projections
// (restored from their snapshot), the Merkle tree follower (resumed from its checkpoint), the head
// log, the token verifier and the HTTP handler with the dashboard mounted. It is the one place
// these are wired together; `ledger serve`, `ledger bench` and the integration tests all build the
// ledger through it, so that what is measured and tested is what is served.
//
// A Service does not own the store (its caller opened it and closes it after Stop), nor listen:
// Handler is served by whoever runs it.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/gcpace"
	"assurance-ledger/internal/settle"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

// Options are what a Service is built from.
type Options struct {
	// Store holds the events. The Service reads and appends; its caller closes it after Stop.
	Store eventstore.Store
	// DataDir holds what the ledger keeps beside the events, whichever store holds them: the tree
	// checkpoint, the stored tree heads, the projections' snapshot and backups being sent.
	DataDir string
	// Secret verifies bearer tokens (auth.LoadSecret); Signer signs tree heads
	// (ledgertree.LoadSigner). Both are loaded by the caller, before anything is opened.
	Secret []byte
	Signer *ledgertree.Signer
	// Log receives the service's log; nil: none.
	Log *slog.Logger
	// RequestTimeout, RateLimit and RateBurst are api.Config's. RateLimit <= 0: no limit.
	RequestTimeout time.Duration
	RateLimit      float64
	RateBurst      int
	// SnapshotEvery says when the projections' snapshot is saved while serving; the zero value is
	// projections.DefaultSnapshotEvery.
	SnapshotEvery projections.SnapshotEvery
	// HeadEvery is how often a head is stored while the tree grows; 0: a minute.
	HeadEvery time.Duration
	// Clock is the command handler's clock; nil: time.Now.
	Clock func() time.Time
	// ServingHeapBudget is the collector's heap budget (internal/gcpace) once the followers have
	// caught up, where one is pacing the process: a catch-up's garbage goes at once, but a serving
	// process's is its clients', and a few heavy readers must not hold a gigabyte of it. 0: the
	// budget is left as it is.
	ServingHeapBudget uint64
	// MaxTokenTTL is the longest token lifetime accepted; 0: auth.DefaultMaxTTL. Revoked tokens are
	// kept in DataDir (auth.RevocationsFile).
	MaxTokenTTL time.Duration
	// PublicURL is the address people reach the service at, when a proxy stands in front of it;
	// an https URL marks the dashboard's cookie Secure. TrustedProxies are the addresses whose
	// X-Forwarded-Proto is believed. Both are the dashboard's (web.Config).
	PublicURL      *url.URL
	TrustedProxies []netip.Prefix
}

// Service is a ledger built from Options: open Handler to serve it, Start to have it follow the log.
type Service struct {
	Store       eventstore.Store
	Commands    *command.Handler
	Projections *projections.Projector
	Tree        *ledgertree.Follower
	Signer      *ledgertree.Signer
	Heads       *ledgertree.HeadLog
	Tokens      *auth.Verifier
	// Handler serves the API and the dashboard.
	Handler http.Handler

	log          *slog.Logger
	servingHeap  uint64
	snapshotPath string
	snapEvery    projections.SnapshotEvery
	headEvery    time.Duration
	checkpoint   *ledgertree.Checkpoint

	stop    context.CancelFunc
	running sync.WaitGroup
	stopped bool
}

// Open builds the service. The projections are restored from their snapshot where it is of this
// log, and the tree resumed from its checkpoint; nothing follows the log until Start.
func Open(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil || o.Signer == nil || len(o.Secret) == 0 {
		return nil, errors.New("service: a store, a signer and a token secret are needed")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SnapshotEvery == (projections.SnapshotEvery{}) {
		o.SnapshotEvery = projections.DefaultSnapshotEvery
	}
	if o.HeadEvery <= 0 {
		o.HeadEvery = time.Minute
	}
	s := &Service{
		Store: o.Store, Signer: o.Signer, log: o.Log, snapEvery: o.SnapshotEvery, headEvery: o.HeadEvery,
		servingHeap:  o.ServingHeapBudget,
		snapshotPath: filepath.Join(o.DataDir, projections.SnapshotFile),
		Commands:     command.NewHandler(o.Store, command.Options{Clock: o.Clock}),
	}
	if o.MaxTokenTTL <= 0 {
		o.MaxTokenTTL = auth.DefaultMaxTTL
	}
	revoked, err := auth.OpenRevocations(o.DataDir, nil)
	if err != nil {
		return nil, err
	}
	s.Tokens = auth.NewVerifier(o.Secret, nil, auth.WithMaxTTL(o.MaxTokenTTL), auth.WithRevocations(revoked))
	// The projections start from their snapshot when it is of this log, so that a restart reads
	// only what was recorded since it was saved.
	if s.Projections, err = projections.RestoreOrNew(ctx, o.Store, s.snapshotPath, o.Log); err != nil {
		return nil, err
	}
	// The tree follows the log on its own subscription: it needs nothing the projections fold, and a
	// failure of either leaves the other serving. It resumes from its checkpoint in the data
	// directory, which exists whichever store holds the events.
	if s.checkpoint, err = ledgertree.OpenCheckpointOrSetAside(filepath.Join(o.DataDir, ledgertree.CheckpointFile), o.Log); err != nil {
		return nil, err
	}
	if s.Tree, err = ledgertree.Resume(ctx, s.checkpoint, o.Store, o.Log); err != nil {
		_ = s.checkpoint.Close()
		return nil, err
	}
	if s.Heads, err = ledgertree.OpenHeadLog(filepath.Join(o.DataDir, ledgertree.HeadsFile), o.Signer); err != nil {
		_ = s.checkpoint.Close()
		return nil, err
	}
	limit := api.NewRateLimit(o.RateLimit, o.RateBurst)                                // one allowance per person, API and pages
	reads := api.NewReadGate(api.DefaultExpensivePerPerson, api.DefaultExpensiveTotal) // likewise
	e := api.New(api.Config{
		Commands: s.Commands, Projections: s.Projections, Store: o.Store, Tokens: s.Tokens, Log: o.Log,
		Tree: s.Tree, TreeSigner: o.Signer, Heads: s.Heads, BackupDir: o.DataDir,
		RequestTimeout: o.RequestTimeout, Limit: limit, Reads: reads,
	})
	web.Mount(e, web.Config{Projections: s.Projections, Store: o.Store, Tokens: s.Tokens, Log: o.Log, Limit: limit.TakePerson,
		Expensive: reads.Enter, LimitAddress: limit.TakeAddress, PublicURL: o.PublicURL, TrustedProxies: o.TrustedProxies})
	s.Handler = e
	return s, nil
}

// Start has the service follow the log until Stop: the projections and the tree catch up and
// subscribe, the process is settled once they have (internal/settle), a head is stored while the
// tree grows, and the projections' snapshot is saved as SnapshotEvery says. A reader that fails
// logs why and makes readiness answer so; the others go on.
func (s *Service) Start() {
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.running.Go(func() {
		if err := s.Projections.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("projections stopped; the service keeps answering health checks and commands, queries report not ready", "error", err.Error())
		}
	})
	s.running.Go(func() { _ = s.Tree.Run(ctx, s.Store) })
	s.running.Go(func() {
		if settled, _ := settle.AfterCatchUp(ctx, s.Store, s.log, s.Projections, s.Tree); settled && s.servingHeap > 0 {
			gcpace.SetBudget(s.servingHeap)
		}
	})
	// A head is stored every interval the tree grew and one at Stop, besides every head served, so
	// that ledger verify has heads to compare with even if nobody asked.
	s.running.Go(func() { s.Heads.Keep(ctx, s.Tree, s.headEvery) })
	s.running.Go(func() { s.Projections.KeepSnapshots(ctx, s.snapshotPath, s.snapEvery) })
}

// WaitReady returns once the projections and the tree have caught up with the log as it was when
// they started, or with the first that failed, or when ctx ends.
func (s *Service) WaitReady(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		perr, terr := s.Projections.Ready(), s.Tree.Ready()
		switch {
		case perr == nil && terr == nil:
			return nil
		case perr != nil && !errors.Is(perr, projections.ErrNotReady):
			return perr
		case terr != nil && !errors.Is(terr, ledgertree.ErrNotReady):
			return terr
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop stops following the log, saves the projections' snapshot with everything they applied (a
// failure is only logged: the next start reads on from an older snapshot, or the whole log) and
// closes the tree's checkpoint, which the tree saved as it stopped. The store is left open.
func (s *Service) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	if s.stop != nil {
		s.stop()
		s.running.Wait()
		start := time.Now()
		if info, err := s.Projections.SaveSnapshot(s.snapshotPath); err != nil {
			s.log.Warn("projections snapshot not saved at shutdown", "snapshot", s.snapshotPath, "error", err.Error())
		} else {
			s.log.Info("projections snapshot saved", "snapshot", s.snapshotPath, "position", info.Position, "events", info.Events,
				"bytes", info.Bytes, "ms", time.Since(start).Milliseconds())
		}
	}
	if err := s.checkpoint.Close(); err != nil {
		s.log.Warn("closing the tree checkpoint", "error", fmt.Sprint(err))
	}
}
