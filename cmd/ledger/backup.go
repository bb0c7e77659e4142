package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/durable"
	"assurance-ledger/verify"
)

func backupCmd() *cobra.Command {
	var (
		sf              storeFlags
		out, url, token string
		force           bool
	)
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Copy the embedded store consistently, from a stopped store (--data) or a running server (--url)",
		Long: "Write a consistent copy of the embedded store to --out. With --data the store must not be in use;\n" +
			"a running server holds its file, so back it up through the server with --url and an admin token\n" +
			"(GET /v1/admin/backup), which copies it in one read transaction while commands go on.\n" +
			"The copy is written to a temporary file beside --out, checked (it opens as a ledger store and every\n" +
			"chain verifies), synced, and only then renamed to --out. It holds events only: keep the data\n" +
			"directory's jwt-secret and ledger-key with it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out is required: the file to write the backup to")
			}
			if _, err := os.Stat(out); err == nil && !force {
				return fmt.Errorf("%s exists: choose another --out, or pass --force to replace it", out)
			}
			var fill func(io.Writer) error
			if url != "" {
				fill = func(w io.Writer) error { return download(cmd.Context(), url, token, w) }
			} else {
				if sf.store != "embedded" && sf.store != "" {
					return errors.New("ledger backup copies the embedded store; back up EventStoreDB with its own procedure (README, \"Backups of EventStoreDB\")")
				}
				if _, err := os.Stat(storeFile(sf.data)); err != nil {
					return fmt.Errorf("no ledger store at %s (is --data right?)", storeFile(sf.data))
				}
				store, err := boltstore.Open(storeFile(sf.data), boltstore.Options{})
				if err != nil {
					if errors.Is(err, boltstore.ErrLocked) {
						return fmt.Errorf("the store in %s is in use by a running server: back it up through the server with "+
							"ledger backup --url http://ADDR --token ADMIN_TOKEN --out %s", sf.data, out)
					}
					return storeOpenError(err)
				}
				defer store.Close()
				fill = func(w io.Writer) error { _, err := store.Backup(w); return err }
			}
			rep, size, err := writeChecked(cmd.Context(), out, fill)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup %s: %d bytes, %d events in %d streams (head position %d); every chain verifies\n",
				out, size, rep.Events, rep.Streams, rep.Head)
			return nil
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "file to write the backup to (required)")
	f.BoolVar(&force, "force", false, "replace --out if it exists")
	f.StringVar(&url, "url", "", "base URL of a running server to back up through (GET /v1/admin/backup), e.g. http://127.0.0.1:8080")
	f.StringVar(&token, "token", "", "admin bearer token for --url (default: $LEDGER_TOKEN)")
	return cmd
}

// download fetches a hot backup from a running server into w.
func download(ctx context.Context, base, token string, w io.Writer) error {
	if token == "" {
		token = os.Getenv("LEDGER_TOKEN")
	}
	if token == "" {
		return errors.New("--url needs an admin token: --token or $LEDGER_TOKEN (ledger token --role admin ...)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/admin/backup", nil)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: time.Hour}).Do(req)
	if err != nil {
		return fmt.Errorf("backup from %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("backup from %s: %s: %s", base, resp.Status, strings.TrimSpace(string(body)))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("backup from %s cut short: %w", base, err)
	}
	return nil
}

// checkedTempPrefix begins the names of writeChecked's temporary files.
const checkedTempPrefix = ".ledger-backup-"

// writeChecked writes a store file to path through fill: into a temporary file beside it, which
// must open as a ledger store whose every chain verifies, then synced and renamed into place. A
// failure leaves path as it was.
func writeChecked(ctx context.Context, path string, fill func(io.Writer) error) (verify.Report, int64, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, checkedTempPrefix+"*")
	if err != nil {
		return verify.Report{}, 0, fmt.Errorf("cannot write beside %s: %w", path, err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.Remove(tmp.Name())
		}
	}()
	err = fill(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return verify.Report{}, 0, fmt.Errorf("writing %s: %w", path, err)
	}
	rep, err := checkStoreFile(ctx, tmp.Name())
	if err != nil {
		return rep, 0, fmt.Errorf("the copy is not a sound ledger store, %s is left as it was: %w", path, err)
	}
	st, err := os.Stat(tmp.Name())
	if err != nil {
		return rep, 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return rep, 0, err
	}
	keep = true
	return rep, st.Size(), durable.SyncDir(dir)
}

// checkStoreFile opens a store file and verifies every chain in it.
func checkStoreFile(ctx context.Context, path string) (verify.Report, error) {
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return verify.Report{}, err
	}
	defer s.Close()
	rep, err := verify.Chains(ctx, s)
	if err != nil {
		return rep, err
	}
	if !rep.OK() {
		return rep, fmt.Errorf("first bad event at %s", rep.Findings[0])
	}
	return rep, nil
}
