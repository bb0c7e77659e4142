package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"assurance-ledger/internal/durable"
)

func restoreCmd() *cobra.Command {
	var from, data string
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup into an empty data directory, checking every chain first",
		Long: "Copy the store file a backup made (--from) into --data, which must be empty or not exist yet.\n" +
			"The copy is checked (it opens as a ledger store and every chain verifies) before it becomes\n" +
			"<data>/ledger.db. Copy the old jwt-secret and ledger-key in too if tokens and tree heads signed\n" +
			"before must stay valid (otherwise serve makes new ones), and tree-heads.jsonl, so that\n" +
			"ledger verify reports a backup older than heads already given out.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return errors.New("--from is required: the backup file to restore")
			}
			if err := emptyForRestore(data); err != nil {
				return err
			}
			src, err := os.Open(from)
			if err != nil {
				return fmt.Errorf("backup file: %w", err)
			}
			defer src.Close()
			// bbolt would lay out a fresh store in an empty file: a restore that "succeeds" with nothing.
			if st, err := src.Stat(); err != nil || st.Size() == 0 {
				return fmt.Errorf("backup file %s is empty: not a backup", from)
			}
			if err := durable.MkdirAll(data, 0o700); err != nil {
				return fmt.Errorf("data directory %s: %w", data, err)
			}
			rep, _, err := writeChecked(cmd.Context(), storeFile(data), func(w io.Writer) error {
				_, err := io.Copy(w, src)
				return err
			})
			if err != nil {
				return fmt.Errorf("restore from %s: %w", from, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s into %s: %d events in %d streams (head position %d); every chain verifies\n",
				from, storeFile(data), rep.Events, rep.Streams, rep.Head)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "backup file to restore (required)")
	cmd.Flags().StringVar(&data, "data", "./ledger-data", "empty data directory to restore into")
	return cmd
}

// emptyForRestore checks that data is empty or missing. The temporary copies a restore cut short
// (by a crash or a power cut) left there count as nothing and are removed: they are never a store,
// and the restore must be able to run again.
func emptyForRestore(data string) error {
	entries, err := os.ReadDir(data)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data directory %s: %w", data, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), checkedTempPrefix) {
			return fmt.Errorf("%s is not empty: restore into an empty or new directory, never over a ledger", data)
		}
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(data, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data directory %s: removing what an interrupted restore left: %w", data, err)
		}
	}
	return nil
}
