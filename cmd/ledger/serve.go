package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

func serveCmd() *cobra.Command {
	var (
		sf   storeFlags
		addr string
		demo bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
			secret, err := auth.LoadSecret(sf.data)
			if err != nil {
				return err
			}
			treeKey, err := ledgertree.LoadSigner(sf.data)
			if err != nil {
				return err
			}
			store, err := sf.open(true)
			if err != nil {
				return err
			}
			defer store.Close()

			handler := command.NewHandler(store, command.Options{})
			if demo {
				if err := seedDemo(ctx, store, handler, log); err != nil {
					return err
				}
			}
			proj := projections.New(store, log)
			projCtx, stopProj := context.WithCancel(context.Background())
			projDone := make(chan error, 1)
			go func() { projDone <- proj.Run(projCtx) }()
			// The tree follows the log on its own subscription: it needs nothing the projections fold,
			// and a failure of either leaves the other serving. A tree that stops logs why and makes
			// /readyz and the /v1/ledger routes answer 503.
			tree := ledgertree.NewFollower(ledgertree.NewTree(), log)
			treeDone := make(chan struct{})
			go func() { defer close(treeDone); _ = tree.Run(projCtx, store) }()

			tokens := auth.NewVerifier(secret, nil)
			e := api.New(api.Config{
				Commands: handler, Projections: proj, Store: store,
				Tokens: tokens, Log: log,
				Tree: tree, TreeSigner: treeKey,
			})
			web.Mount(e, web.Config{Projections: proj, Store: store, Tokens: tokens, Log: log})
			srv := &http.Server{
				Addr:              addr,
				Handler:           e,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       30 * time.Second,
				WriteTimeout:      60 * time.Second,
				IdleTimeout:       2 * time.Minute,
			}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			log.Info("serving", "addr", addr, "store", redact(sf.store), "data", sf.data)
			select {
			case err := <-errc:
				stopProj()
				<-treeDone
				return fmt.Errorf("listen on %s: %w", addr, err)
			case err := <-projDone:
				log.Error("projections stopped; the service keeps answering health checks and commands, queries report not ready", "error", fmt.Sprint(err))
				<-ctx.Done()
			case <-ctx.Done():
			}
			log.Info("shutting down: finishing in-flight requests")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err = srv.Shutdown(shutdownCtx)
			stopProj()
			<-treeDone
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&demo, "demo", false, "seed a realistic demo data set into an empty store before serving")
	return cmd
}
