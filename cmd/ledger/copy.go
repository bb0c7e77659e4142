package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/esdbstore"
	"assurance-ledger/eventstore/migrate"
)

// progressEvery spaces the progress lines of a long copy.
const progressEvery = 2 * time.Second

func copyCmd() *cobra.Command {
	var from, to string
	var pageSize, batchBytes int
	cmd := &cobra.Command{
		Use:   "copy --from DIR|esdb://... --to DIR|esdb://...",
		Short: "Copy every event of one store into another, in global order; run it again to resume",
		Long: `Copy appends every event of the source to the target in the source's global order, keeping
each event's id, stream, revision, type, data and metadata (so every hash and chain), for a move
between the embedded store (a data directory) and EventStoreDB, either way.

On one EventStoreDB server, the source and the target must differ in their streamPrefix (a ledger
reads only the streams of its own prefix, or of none): that moves a ledger under a prefix, out of
one, or to another.

Interrupted, it resumes when run again: events the target already holds are skipped. A target
holding anything else is refused, naming the stream and revision. Only events are copied: the
data directory's secrets stay where they are. Afterwards, run ledger verify on the target.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("copy needs --from and --to (a data directory or an esdb:// connection string each)")
			}
			if sameStore(from, to) {
				return fmt.Errorf("--from and --to name the same store (%s): a copy would read what it writes; to move a ledger on one EventStoreDB server, give the target another streamPrefix", describe(from))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			src, err := openLocation(from, false)
			if err != nil {
				return fmt.Errorf("source: %w", err)
			}
			defer src.Close()
			dst, err := openLocation(to, true)
			if err != nil {
				return fmt.Errorf("target: %w", err)
			}
			defer dst.Close()

			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "copying %s to %s\n", describe(from), describe(to))
			last := time.Now()
			rep, err := migrate.Copy(ctx, src, dst, migrate.Options{PageSize: pageSize, MaxBatchBytes: batchBytes, Progress: func(p migrate.Progress) {
				if time.Since(last) >= progressEvery {
					last = time.Now()
					printProgress(out, p)
				}
			}})
			printProgress(out, rep.Progress)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted (%w): run the same command again to resume", err)
				}
				return err
			}
			fmt.Fprintf(out, "done: %d events in %d streams, %d copied now, %d already there; target head position %d; %s\n",
				rep.Read, rep.Streams, rep.Copied, rep.Present, rep.TargetHead, rep.Elapsed.Round(time.Millisecond))
			fmt.Fprintf(out, "next: ledger verify %s\n", verifyArgs(to))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source: a data directory (embedded store) or an esdb:// connection string")
	cmd.Flags().StringVar(&to, "to", "", "target: a data directory (created if missing) or an esdb:// connection string")
	cmd.Flags().IntVar(&pageSize, "page", 1000, "source events read at a time")
	cmd.Flags().IntVar(&batchBytes, "batch-bytes", migrate.DefaultMaxBatchBytes,
		"largest append to the target, in bytes of data, metadata and twice the type (EventStoreDB refuses an append over its maximum append size, 1 MiB by default)")
	return cmd
}

func printProgress(out io.Writer, p migrate.Progress) {
	fmt.Fprintf(out, "  read %d, copied %d, already there %d (source position %d)\n", p.Read, p.Copied, p.Present, p.Source)
}

// openLocation opens a --from or --to store: an esdb:// connection string, else a data directory
// holding the embedded store (created only for a target).
func openLocation(loc string, create bool) (eventstore.Store, error) {
	if esdbstore.IsConnString(loc) {
		f := storeFlags{store: loc}
		return f.open(create)
	}
	f := storeFlags{data: loc, store: "embedded"}
	return f.open(create)
}

// sameStore reports whether two locations name one store, which a copy would read and write at
// once: for EventStoreDB, one ledger of one server (esdbstore.SameLedger).
func sameStore(a, b string) bool {
	if esdbstore.IsConnString(a) && esdbstore.IsConnString(b) {
		return a == b || esdbstore.SameLedger(a, b)
	}
	if esdbstore.IsConnString(a) || esdbstore.IsConnString(b) {
		return false
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// describe names a location for output, without credentials.
func describe(loc string) string {
	if esdbstore.IsConnString(loc) {
		return "EventStoreDB " + esdbstore.Redact(loc)
	}
	return "embedded store " + storeFile(loc)
}

// verifyArgs is how to point ledger verify at a location. Credentials are not printed: put them
// back into the connection string.
func verifyArgs(loc string) string {
	if esdbstore.IsConnString(loc) {
		return fmt.Sprintf("--store '%s'", esdbstore.Redact(loc))
	}
	return "--data " + loc
}
