package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/internal/settle"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

func serveCmd() *cobra.Command {
	var (
		sf             storeFlags
		addr           string
		demo           bool
		hopts          = defaultHTTPOptions()
		rateLimit      float64
		rateBurst      int
		requestTimeout time.Duration
		hb             heapBudget
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stopPacing, paced, err := hb.start() // first: a bad flag must leave nothing behind
			if err != nil {
				return err
			}
			defer stopPacing()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := checkDataDir(sf.data); err != nil {
				return err
			}
			secret, err := auth.LoadSecret(sf.data)
			if err != nil {
				return err
			}
			log := newLogger(os.Stderr, secret, []byte(os.Getenv(ledgertree.SigningKeyEnv)), connPassword(sf.store))
			treeKey, err := ledgertree.LoadSigner(sf.data)
			if err != nil {
				return err
			}
			store, err := sf.open(true)
			if err != nil {
				return err
			}
			defer store.Close()
			// Holding the store, no other server can be sending from a copy in the data directory.
			if n, err := api.RemoveStaleBackups(sf.data); err != nil {
				log.Warn("could not remove backup copies a stopped server left behind", "data", sf.data, "error", err.Error())
			} else if n > 0 {
				log.Info("removed backup copies a stopped server left behind", "files", n)
			}

			handler := command.NewHandler(store, command.Options{})
			if demo {
				if err := seedDemo(ctx, store, handler, log); err != nil {
					return err
				}
			}
			// The projections start from their snapshot in the data directory when it is of this log,
			// so that a restart reads only what was recorded since it was saved.
			snapshot := filepath.Join(sf.data, projections.SnapshotFile)
			proj, err := projections.RestoreOrNew(ctx, store, snapshot, log)
			if err != nil {
				return err
			}
			// The tree follows the log on its own subscription: it needs nothing the projections fold,
			// and a failure of either leaves the other serving. A tree that stops logs why and makes
			// /readyz and the /v1/ledger routes answer 503.
			// The tree resumes from its checkpoint in the data directory (which exists whichever store
			// holds the events), so a restart reads only what was recorded since the last save.
			cp, err := ledgertree.OpenCheckpointOrSetAside(filepath.Join(sf.data, ledgertree.CheckpointFile), log)
			if err != nil {
				return err
			}
			defer cp.Close()
			tree, err := ledgertree.Resume(ctx, cp, store, log)
			if err != nil {
				return err
			}
			heads, err := ledgertree.OpenHeadLog(filepath.Join(sf.data, ledgertree.HeadsFile), treeKey)
			if err != nil {
				return err
			}
			tokens := auth.NewVerifier(secret, nil)
			limit := api.NewRateLimit(rateLimit, rateBurst) // one allowance per person, API and pages
			e := api.New(api.Config{
				Commands: handler, Projections: proj, Store: store,
				Tokens: tokens, Log: log,
				Tree: tree, TreeSigner: treeKey, Heads: heads, BackupDir: sf.data,
				RequestTimeout: requestTimeout, Limit: limit,
			})
			web.Mount(e, web.Config{Projections: proj, Store: store, Tokens: tokens, Log: log, Limit: limit.TakePerson})
			srv, err := newHTTPServer(e, hopts, log)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}

			projCtx, stopProj := context.WithCancel(context.Background())
			projDone, treeDone := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(projDone)
				if err := proj.Run(projCtx); err != nil && projCtx.Err() == nil {
					log.Error("projections stopped; the service keeps answering health checks and commands, queries report not ready", "error", err.Error())
				}
			}()
			go func() { defer close(treeDone); _ = tree.Run(projCtx, store) }()
			go settle.AfterCatchUp(projCtx, store, log, proj, tree)
			// A head is stored every minute the tree grew and one at shutdown, besides every head
			// served, so that ledger verify has heads to compare with even if nobody asked.
			headsDone := make(chan struct{})
			go func() { defer close(headsDone); heads.Keep(projCtx, tree, time.Minute) }()
			snapsDone := make(chan struct{})
			go func() {
				defer close(snapsDone)
				proj.KeepSnapshots(projCtx, snapshot, projections.DefaultSnapshotEvery)
			}()

			log.Info("serving", "addr", ln.Addr().String(), "tls", srv.TLSConfig != nil, "store", redact(sf.store), "data", sf.data,
				"rate_limit", rateLimit, "rate_burst", rateBurst, "request_timeout", requestTimeout.String(),
				"heap_budget_mib", pacedBudget(hb, paced))
			// On SIGTERM or SIGINT: stop accepting and finish what is in flight; then the projections
			// and the tree stop, the projections' snapshot is saved with everything they applied,
			// and the deferred Close closes the store last.
			err = serveHTTP(ctx, srv, ln, hopts.shutdownGrace, log)
			stopProj()
			<-projDone
			<-treeDone
			<-headsDone
			<-snapsDone
			saveSnapshot(proj, snapshot, log)
			return err
		},
	}
	sf.register(cmd)
	hb.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&demo, "demo", false, "seed a realistic demo data set into an empty store before serving")
	cmd.Flags().StringVar(&hopts.certFile, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with, TLS 1.2 or later; needs --tls-key")
	cmd.Flags().StringVar(&hopts.keyFile, "tls-key", "", "PEM private key of --tls-cert")
	cmd.Flags().Float64Var(&rateLimit, "rate-limit", 1000, "requests a second allowed to each person (anonymous: each client address) on /v1; 0 for no limit")
	cmd.Flags().IntVar(&rateBurst, "rate-burst", 2000, "requests each person may send at once before --rate-limit applies")
	cmd.Flags().DurationVar(&requestTimeout, "request-timeout", 20*time.Second, "longest a request may be handled before it is answered 503")
	return cmd
}

// saveSnapshot saves the projections' snapshot at shutdown. A failure is only logged: the next
// start reads on from an older snapshot, or the whole log.
func saveSnapshot(proj *projections.Projector, path string, log *slog.Logger) {
	start := time.Now()
	info, err := proj.SaveSnapshot(path)
	if err != nil {
		log.Warn("projections snapshot not saved at shutdown", "snapshot", path, "error", err.Error())
		return
	}
	log.Info("projections snapshot saved", "snapshot", path, "position", info.Position, "events", info.Events,
		"bytes", info.Bytes, "ms", time.Since(start).Milliseconds())
}
