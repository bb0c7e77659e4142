// Command ledger runs and inspects the assurance ledger: the HTTP service, offline verification of
// the hash chains, replay of the log, and operator tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"assurance-ledger/internal/bench"
)

// exitError carries a specific exit status (verify uses 1 for "the ledger is not intact").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "ledger",
		Short:         "assurance-ledger: NHS informatics plan governance as a verifiable event log",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("ledger {{.Version}}\n")
	root.AddCommand(serveCmd(), tokenCmd(), verifyCmd(), evidenceCmd(), replayCmd(), copyCmd(), backupCmd(), restoreCmd(), benchCmd(), auditCmd())
	return root
}

// run executes the CLI and returns its exit status: 0 success, 1 the ledger is not intact, 2 any
// other failure.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "ledger:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 2
	}
	return 0
}

func main() {
	if bench.IsLoadGenerator() { // ledger bench started this process to send its GET phase's requests
		os.Exit(bench.RunLoadGenerator(os.Stdin, os.Stdout))
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
