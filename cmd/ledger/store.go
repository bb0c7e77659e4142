package main

import (
	"assurance-ledger/audit"

	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/eventstore/esdbstore"
	"assurance-ledger/internal/durable"
)

// storeFlags are the flags every command that opens the ledger shares.
type storeFlags struct {
	data  string
	store string
	cmd   *cobra.Command // whose stderr hears what opening the store has to say; nil: os.Stderr
	// reads names a command that only reads the log (verify, replay, evidence): on the data
	// directory of a running server it fails at once, saying how to check a running ledger.
	reads string
}

func (f *storeFlags) register(cmd *cobra.Command) {
	f.cmd = cmd
	cmd.Flags().StringVar(&f.data, "data", "./ledger-data", "data directory (embedded store file, keys, secrets)")
	cmd.Flags().StringVar(&f.store, "store", "embedded", `"embedded" (a bbolt file under --data) or an esdb:// connection string; its streamPrefix option (ending with ".", e.g. esdb://db:2113?streamPrefix=ledger-a.) keeps several ledgers apart on one server`)
}

// storeFile is where the embedded store lives under a data directory.
func storeFile(dataDir string) string { return filepath.Join(dataDir, "ledger.db") }

// open opens the store the flags name. create allows making a new embedded store.
func (f *storeFlags) open(create bool) (eventstore.Store, error) {
	switch {
	case f.store == "embedded" || f.store == "":
		path := storeFile(f.data)
		if create {
			if err := refuseMirror(f.data); err != nil {
				return nil, err
			}
		}
		if !create {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("no ledger store at %s (is --data right?)", path)
			}
		} else if err := durable.MkdirAll(f.data, 0o700); err != nil {
			return nil, fmt.Errorf("data directory %s: %w", f.data, err)
		}
		var opts boltstore.Options
		if f.reads != "" {
			opts.Timeout = time.Millisecond // a server holds its store for as long as it runs: no wait
		}
		s, err := boltstore.Open(path, opts)
		if f.reads != "" && errors.Is(err, boltstore.ErrLocked) {
			return nil, liveDirError(f.data, f.reads)
		}
		if err != nil {
			return nil, storeOpenError(err)
		}
		if kept := s.Format1Copy(); kept != "" {
			var w io.Writer = os.Stderr
			if f.cmd != nil {
				w = f.cmd.ErrOrStderr()
			}
			slog.New(slog.NewJSONHandler(w, nil)).Warn("store file upgraded from format 1 to format 2; "+
				"builds before 2 December 2026 cannot open it. The file as it was is kept: delete the copy once satisfied",
				"file", path, "format1_copy", kept)
		}
		return s, nil
	case esdbstore.IsConnString(f.store):
		return openESDB(f.store)
	default:
		return nil, fmt.Errorf(`--store must be "embedded" or an esdb:// connection string, got %q`, redact(f.store))
	}
}

// refuseMirror refuses to write a ledger into an auditor's mirror: served, it would get a signing
// key of its own and sign heads with it beside the ledger's, and the mirror would no longer be the
// copy its audits checked.
func refuseMirror(dir string) error {
	if !audit.IsStateDir(dir) {
		return nil
	}
	return fmt.Errorf("%s is an auditor's mirror (ledger audit --state): it is checked against the ledger's own key and heads, and a ledger "+
		"served from it would sign with a key of its own; read it with ledger verify, replay or evidence, or restore a backup into another --data to serve", dir)
}

// liveDirError is what a command that reads the log says on the data directory of a running
// server, whose store the server holds for as long as it runs: one line, saying what to do instead.
func liveDirError(dir, command string) error {
	if audit.IsStateDir(dir) {
		return fmt.Errorf("%s is an auditor's mirror that a ledger audit is writing now (it holds the store while it mirrors): run ledger %s --data %s once that audit has finished", dir, command, dir)
	}
	return fmt.Errorf("%s is in use by a running ledger (ledger serve holds its store): check a running ledger over its API with "+
		"ledger audit --url URL --token TOKEN --state AUDIT_DIR, then ledger %s --data AUDIT_DIR on that copy; or stop the server first", dir, command)
}

// storeOpenError adds to a failure to open the embedded store what the operator can do about it.
func storeOpenError(err error) error {
	switch {
	case errors.Is(err, boltstore.ErrNotStore), errors.Is(err, eventstore.ErrCorrupt):
		return fmt.Errorf("%w; nothing was changed: move the file aside and restore the last backup (ledger restore), or keep it for inspection", err)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w: the user running ledger needs read and write access to the store file and its directory (or choose another --data)", err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: the disk holding the data directory is full; free space and start again", err)
	}
	return err
}

// esdbPingTimeout bounds the wait for EventStoreDB to answer when a command starts.
const esdbPingTimeout = 30 * time.Second

// openESDB opens the EventStoreDB store a connection string names (validated first) and checks
// that it answers, so that a wrong address, certificate or password stops the command at once
// with a clear message rather than at its first request. The store's own warnings (retries,
// dropped subscriptions) go to stderr as JSON, like the service's log.
func openESDB(conn string) (eventstore.Store, error) {
	s, err := esdbstore.Open(conn, esdbstore.Options{
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, fmt.Errorf("--store: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), esdbPingTimeout)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("--store %s: EventStoreDB does not answer as needed: %w", esdbstore.Redact(conn), err)
	}
	return s, nil
}

// redact hides credentials in a connection string so they never reach logs or error output.
func redact(conn string) string {
	if at := strings.LastIndex(conn, "@"); at > 0 {
		if scheme := strings.Index(conn, "://"); scheme >= 0 && scheme < at {
			return conn[:scheme+3] + "***" + conn[at:]
		}
	}
	return conn
}
