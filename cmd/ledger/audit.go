package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"assurance-ledger/audit"
	"assurance-ledger/ledgertree"
)

func auditCmd() *cobra.Command {
	var (
		o             audit.Options
		pubKey, heads string
		asJSON        bool
		compareHeads  bool
		hb            heapBudget
	)
	cmd := &cobra.Command{
		Use:   "audit --url URL --token TOKEN --state DIR | --compare-heads A B",
		Short: "Mirror a ledger over its API into DIR, check every event and signed head, and compare every published answer with the mirror's; exit 1 on tampering or a difference",
		Long: `Audit takes an auditor's own copy of a ledger through its API and holds the server to it.

It mirrors the log from where the last audit of DIR stopped (GET /v1/audit/events?view=stored),
checks every event as ledger verify does before keeping it, holds the server's signed tree head
(checked with the ledger's public key: --public-key, or the key pinned in DIR by the first audit)
to the mirror's tree and to the head the last audit matched, so that a rewritten, truncated or
forked log is caught with the first event where it departs; then rebuilds every projection from
the mirror and asks the server and the mirror every question of the API that takes as_of, as of
the mirror's last position, printing every difference. DIR is a data directory: ledger verify,
replay and evidence read it.

--compare-heads A B checks two auditors' --heads files for a split view: two heads of the same
size with different roots, or (with --state) a head that is not the mirror's tree at its size.

Exit status: 0 nothing found, 1 tampering or a difference, 2 the audit could not be run.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if compareHeads {
				return cobra.ExactArgs(2)(cmd, args)
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if pubKey != "" {
				k, err := readPublicKey(pubKey)
				if err != nil {
					return fmt.Errorf("--public-key: %w", err)
				}
				o.PublicKey = k
			}
			if compareHeads {
				return runCompareHeads(cmd.OutOrStdout(), args[0], args[1], o, asJSON)
			}
			if o.URL == "" {
				return errors.New("--url is required: the ledger's address, e.g. https://ledger.example.org")
			}
			if o.Token == "" {
				o.Token = os.Getenv("LEDGER_TOKEN")
			}
			stopPacing, _, err := hb.start()
			if err != nil {
				return err
			}
			defer stopPacing()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			o.Progress = cmd.ErrOrStderr()
			if !asJSON {
				o.Differences = out
			}
			rep, err := audit.Run(ctx, o)
			if rep != nil && heads != "" {
				if herr := exportHeads(o.State, heads); herr != nil && err == nil {
					err = herr
				}
			}
			if rep != nil {
				if perr := printReport(out, rep, asJSON); perr != nil && err == nil {
					err = perr
				}
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &exitError{code: 1, err: fmt.Errorf("the ledger at %s is NOT what its log says: %d sign(s) of tampering, %d difference(s)", o.URL, len(rep.Findings), rep.DifferencesTotal)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "", "the ledger's base URL, e.g. https://ledger.example.org")
	f.StringVar(&o.Token, "token", "", "a bearer token of any role (default: $LEDGER_TOKEN)")
	f.StringVar(&o.State, "state", "", "the auditor's directory: the mirror and what audits established (created on the first audit)")
	f.StringVar(&pubKey, "public-key", "", "the ledger's Ed25519 public key (base64, hex or the /v1/ledger/public-key JSON), or a file holding it; pinned in --state on the first audit (default: the server's, trusted on first use)")
	f.StringVar(&heads, "heads", "", "write the signed heads this mirror has matched to FILE (one JSON head a line), for another auditor's --compare-heads")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.IntVar(&o.Page, "page", 1000, "events per request of the feed (1-1000)")
	f.BoolVar(&o.Recheck, "recheck", false, "also re-read every event mirrored before and compare it byte for byte (finds an event altered in place under an unchanged tree)")
	f.BoolVar(&o.NoCompare, "no-compare", false, "mirror and check the log only; do not compare the server's answers")
	hb.register(cmd)
	f.BoolVar(&compareHeads, "compare-heads", false, "compare two --heads files (arguments A B) for a split view; with --state, also against that mirror")
	return cmd
}

// readPublicKey reads a key given as itself or as a file holding it.
func readPublicKey(flag string) (ed25519.PublicKey, error) {
	if raw, err := os.ReadFile(flag); err == nil {
		return ledgertree.ParsePublicKey(string(raw))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return ledgertree.ParsePublicKey(flag)
}

// exportHeads copies the heads the mirror matched to path.
func exportHeads(state, path string) error {
	raw, err := os.ReadFile(filepath.Join(state, ledgertree.HeadsFile))
	if errors.Is(err, os.ErrNotExist) {
		raw = nil
	} else if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

func printReport(out io.Writer, rep *audit.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(out, "TAMPERING", f)
	}
	fmt.Fprintf(out, "mirror: %d events held (%d new), server position %d; tree %d leaves, root %s\n",
		rep.EventsHeld, rep.EventsMirrored, rep.ServerPosition, rep.TreeSize, rep.RootHash)
	if rep.EventsMirrored > 0 {
		fmt.Fprintf(out, "mirrored and checked %d events in %.1f s (%.0f events/s)\n", rep.EventsMirrored, rep.MirrorSeconds, rep.MirrorEventsPerSec)
	}
	if rep.Head != nil {
		fmt.Fprintf(out, "signed head: %d leaves, root %s, key %s (%s): matches the mirror\n", rep.Head.TreeSize, rep.Head.RootHash, rep.KeyID, keySource(rep.KeyPinned))
	}
	if rep.Rechecked > 0 {
		fmt.Fprintf(out, "re-read %d events mirrored before: unchanged\n", rep.Rechecked)
	}
	if rep.AnswersCompared > 0 {
		fmt.Fprintf(out, "compared %d published answers as of position %d: %d difference(s)\n", rep.AnswersCompared, rep.ComparedAsOf, rep.DifferencesTotal)
	}
	if rep.OK() {
		fmt.Fprintln(out, "ok: the ledger's log, signed heads and published answers agree with the mirror")
	}
	return nil
}

func keySource(how string) string {
	switch how {
	case "flag":
		return "given with --public-key, pinned"
	case "first_use":
		return "the server's, pinned on first use"
	}
	return "pinned"
}

func runCompareHeads(out io.Writer, a, b string, o audit.Options, asJSON bool) error {
	key := o.PublicKey
	if key == nil && o.State != "" {
		k, ok, err := audit.PinnedKey(o.State)
		if err != nil {
			return err
		}
		if ok {
			key = k
		}
	}
	if key == nil {
		return errors.New("--compare-heads needs the ledger's key: --public-key, or --state of an audited mirror")
	}
	sv, err := audit.CompareHeads(a, b, key, o.State)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sv); err != nil {
			return err
		}
	} else {
		for _, f := range sv.Findings {
			fmt.Fprintln(out, "SPLIT VIEW", f.Reason)
		}
		fmt.Fprintf(out, "heads: %d in %s, %d in %s; %d pairs of the same size compared, %d heads checked against the mirror, %d not comparable\n",
			sv.HeadsA, a, sv.HeadsB, b, sv.Pairs, sv.AgainstMirror, sv.Unchecked)
	}
	if !sv.OK() {
		return &exitError{code: 1, err: fmt.Errorf("split view: %s", sv.Findings[0].Reason)}
	}
	if !asJSON {
		fmt.Fprintln(out, "ok: no two heads contradict each other")
	}
	return nil
}
