package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// storeFlags are the flags every command that opens the ledger shares.
type storeFlags struct {
	data  string
	store string
}

func (f *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "./ledger-data", "data directory (embedded store file, keys, secrets)")
	cmd.Flags().StringVar(&f.store, "store", "embedded", `"embedded" (a bbolt file under --data) or an esdb:// connection string`)
}

// storeFile is where the embedded store lives under a data directory.
func storeFile(dataDir string) string { return filepath.Join(dataDir, "ledger.db") }

// open opens the store the flags name. create allows making a new embedded store.
func (f *storeFlags) open(create bool) (eventstore.Store, error) {
	switch {
	case f.store == "embedded" || f.store == "":
		path := storeFile(f.data)
		if !create {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("no ledger store at %s (is --data right?)", path)
			}
		} else if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, fmt.Errorf("data directory %s: %w", f.data, err)
		}
		return boltstore.Open(path, boltstore.Options{})
	case strings.HasPrefix(f.store, "esdb://") || strings.HasPrefix(f.store, "esdb+discover://"):
		return nil, fmt.Errorf("--store %s: the EventStoreDB store is not available in this build yet", redact(f.store))
	default:
		return nil, fmt.Errorf(`--store must be "embedded" or an esdb:// connection string, got %q`, redact(f.store))
	}
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
