package main

import (
	"context"
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
size with different roots, a head that is not the tree of a --state mirror at its size, or two
heads of different sizes that no consistency proof (asked of --url, checked against both signed
roots) shows to be of one log. A pair it cannot check is "not checked" (exit 2), never ok.

The report ends with a status: clean, differences, tampering, incomplete (questions the server
refused or failed, after retrying as it asked) or failed.
Exit status: 0 clean, 1 tampering, a difference or an unanswered question, 2 the audit could
not run or finish.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if compareHeads {
				return cobra.ExactArgs(2)(cmd, args)
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Page < 1 || o.Page > 1000 {
				return fmt.Errorf("--page %d: %w", o.Page, audit.ErrPage)
			}
			if pubKey != "" {
				k, err := readPublicKey(pubKey)
				if err != nil {
					return fmt.Errorf("--public-key: %w", err)
				}
				o.PublicKey = k
			}
			if o.Token == "" {
				o.Token = os.Getenv("LEDGER_TOKEN")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if compareHeads {
				return runCompareHeads(ctx, cmd.OutOrStdout(), args[0], args[1], o, asJSON)
			}
			if o.URL == "" {
				return errors.New("--url is required: the ledger's address, e.g. https://ledger.example.org")
			}
			stopPacing, _, err := hb.start()
			if err != nil {
				return err
			}
			defer stopPacing()
			out := cmd.OutOrStdout()
			o.Progress = cmd.ErrOrStderr()
			if !asJSON {
				o.Differences = out
			}
			rep, err := audit.Run(ctx, o)
			if err != nil && ctx.Err() != nil && cmd.Context().Err() == nil {
				// A signal stopped it, not the server: "context canceled" would tell the auditor neither.
				err = fmt.Errorf("interrupted: the mirror keeps the %d events it checked; run the same command again to read on from there", rep.EventsHeld)
				rep.Conclude(err)
			}
			if heads != "" {
				if herr := exportHeads(o.State, heads); herr != nil && err == nil {
					err = herr
					rep.Conclude(err)
				}
			}
			if perr := printReport(out, rep, asJSON); perr != nil && err == nil {
				err = perr
			}
			return auditExit(o.URL, rep, err)
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
	f.DurationVar(&o.MaxHeadAge, "max-head-age", audit.DefaultMaxHeadAge, "the oldest the server's newest signed head may be before the audit cannot certify that it saw the whole log (a ledger signs a head when its log grows: raise it for a ledger idle longer; negative: not checked)")
	hb.register(cmd)
	f.BoolVar(&compareHeads, "compare-heads", false, "compare two --heads files (arguments A B) for a split view; with --state, also against that mirror; with --url, heads of different sizes by the server's consistency proofs")
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

// auditExit is the exit of an audit: 0 clean, 1 tampering, a difference or a question unanswered
// (nothing certified), 2 an audit that could not run or finish.
func auditExit(url string, rep *audit.Report, err error) error {
	switch rep.Status {
	case audit.StatusClean:
		return nil
	case audit.StatusFailed:
		return err
	case audit.StatusIncomplete:
		return &exitError{code: 1, err: fmt.Errorf("the audit of %s is incomplete: %d question(s) went unanswered, so it cannot certify the ledger", url, len(rep.Unanswered))}
	}
	msg := fmt.Errorf("the ledger at %s is NOT what its log says: %d sign(s) of tampering, %d difference(s)", url, len(rep.Findings), rep.DifferencesTotal)
	if err != nil {
		msg = fmt.Errorf("%w; and the audit stopped before it finished: %w", msg, err)
	}
	return &exitError{code: 1, err: msg}
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
	for _, u := range rep.Unanswered {
		fmt.Fprintln(out, "UNANSWERED", u)
	}
	if rep.RootHash != "" { // no root: the audit stopped before it opened a mirror
		fmt.Fprintf(out, "mirror: %d events held (%d new), server position %d; tree %d leaves, root %s\n",
			rep.EventsHeld, rep.EventsMirrored, rep.ServerPosition, rep.TreeSize, rep.RootHash)
	}
	if rep.EventsMirrored > 0 {
		fmt.Fprintf(out, "mirrored and checked %d events in %.1f s (%.0f events/s)\n", rep.EventsMirrored, rep.MirrorSeconds, rep.MirrorEventsPerSec)
	}
	if rep.Head != nil {
		fmt.Fprintf(out, "signed head: %d leaves, root %s, signed %s, key %s (%s): matches the mirror\n", rep.Head.TreeSize, rep.Head.RootHash, rep.Head.Timestamp, rep.KeyID, keySource(rep.KeyPinned))
	}
	if rep.Rechecked > 0 {
		fmt.Fprintf(out, "re-read %d events mirrored before: unchanged\n", rep.Rechecked)
	}
	if rep.AnswersAsked > 0 {
		fmt.Fprintf(out, "compared %d of %d published answers as of position %d: %d difference(s), %d unanswered\n",
			rep.AnswersCompared, rep.AnswersAsked, rep.ComparedAsOf, rep.DifferencesTotal, len(rep.Unanswered))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(out, "note:", n)
	}
	switch rep.Status {
	case audit.StatusClean:
		if rep.AnswersAsked == 0 {
			// --no-compare: every audit that compares asks at least the registry and the rounds.
			fmt.Fprintln(out, "status: clean: the ledger's log and signed heads agree with the mirror; its published answers were not compared (--no-compare)")
			break
		}
		fmt.Fprintln(out, "status: clean: the ledger's log, signed heads and published answers agree with the mirror")
	case audit.StatusFailed:
		fmt.Fprintln(out, "status: failed: the audit could not finish, and certifies nothing:", rep.Error)
	case audit.StatusIncomplete:
		fmt.Fprintln(out, "status: incomplete: what was checked agrees, but questions went unanswered; nothing is certified")
	default:
		fmt.Fprintln(out, "status:", rep.Status)
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

func runCompareHeads(ctx context.Context, out io.Writer, a, b string, o audit.Options, asJSON bool) error {
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
	var prove audit.Prover
	if o.URL != "" {
		p, err := audit.ServerProver(o.URL, o.Token)
		if err != nil {
			return err
		}
		prove = p
	}
	sv, err := audit.CompareHeads(ctx, a, b, key, o.State, prove)
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
		for _, u := range sv.Unchecked {
			fmt.Fprintf(out, "NOT CHECKED heads of %d and %d leaves: %s\n", u.A, u.B, u.Reason)
		}
		fmt.Fprintf(out, "heads: %d in %s, %d in %s; %d pairs of the same size compared, %d heads checked against the mirror, %d pairs proved consistent, %d pairs not checked\n",
			sv.HeadsA, a, sv.HeadsB, b, sv.Pairs, sv.AgainstMirror, sv.Proved, len(sv.Unchecked))
	}
	if !sv.OK() {
		return &exitError{code: 1, err: fmt.Errorf("split view: %s", sv.Findings[0].Reason)}
	}
	if !sv.Complete() {
		return fmt.Errorf("not checked: %d pair(s) of heads of different sizes could not be checked; give --url (a server to ask consistency proofs of) or --state (a mirror holding both sizes)", len(sv.Unchecked))
	}
	if !asJSON {
		fmt.Fprintln(out, "ok: no two heads contradict each other")
	}
	return nil
}
