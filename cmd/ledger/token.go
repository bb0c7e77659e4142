package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
)

func tokenCmd() *cobra.Command {
	var (
		data string
		a    domain.Actor
		role string
		ttl  time.Duration
		// maxTTL is the server's --max-token-ttl: a longer token would be refused, so none is minted.
		maxTTL time.Duration
		// loginURL is the dashboard's address; when set, the command prints a sign-in link instead.
		loginURL string
		// initDir allows creating the secret in a directory that holds none yet.
		initDir bool
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a bearer token for this store (development and operations)",
		Long: "Mint an HS256 bearer token signed with the store's secret (LEDGER_JWT_SECRET, else <data>/jwt-secret),\n" +
			"with a random jti that `ledger token revoke` can name it by. A data directory without a secret is refused\n" +
			"(a mistyped --data would otherwise mint a token under a new secret the server never sees) unless --init\n" +
			"is given, which creates the secret the server will then use. The ledger trusts the claims a token carries,\n" +
			"so keep minted tokens as you would the secret.",
		Args: loginURLArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				loginURL = args[0]
			}
			if ttl > maxTTL {
				return fmt.Errorf("--ttl %s is longer than --max-token-ttl %s: the server would refuse the token", ttl, maxTTL)
			}
			a.Role = domain.Role(role)
			if !initDir {
				if err := requireSecret(data, "--init"); err != nil {
					return err
				}
			}
			secret, err := auth.LoadSecret(data)
			if err != nil {
				return err
			}
			tok, err := auth.Mint(secret, a, time.Now(), ttl)
			if err != nil {
				return err
			}
			if loginURL != "" {
				link, err := signInLink(loginURL, tok)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), link)
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "./ledger-data", "data directory whose secret signs the token")
	f.StringVar(&a.PersonID, "sub", "", "person id (required)")
	f.StringVar(&a.Name, "name", "", "person's name (required)")
	f.StringVar(&role, "role", "", "admin, pct_commissioner, provider, chief_executive, sha_assurer, cfh or auditor (required)")
	f.StringVar(&a.Org, "org", "", "ODS code of the organisation acted for (required)")
	f.DurationVar(&ttl, "ttl", 24*time.Hour, "lifetime, at most --max-token-ttl")
	f.DurationVar(&maxTTL, "max-token-ttl", auth.DefaultMaxTTL, "the server's --max-token-ttl")
	f.StringVar(&loginURL, "login-url", "", "print a one-click dashboard sign-in link for the service at this base URL (e.g. http://127.0.0.1:8080)")
	f.Lookup("login-url").NoOptDefVal = defaultLoginURL
	f.BoolVar(&initDir, "init", false, "create the secret when --data holds none yet (before the server's first start)")
	for _, name := range []string{"sub", "name", "role", "org"} {
		_ = cmd.MarkFlagRequired(name)
	}
	cmd.AddCommand(tokenRevokeCmd())
	return cmd
}

func tokenRevokeCmd() *cobra.Command {
	var (
		data   string
		jti    string
		maxTTL time.Duration
	)
	cmd := &cobra.Command{
		Use:   "revoke [token]",
		Short: "Revoke a token: refused from now on, across restarts, until it would have expired",
		Long: "Record in <data>/" + auth.RevocationsFile + " that a token may no longer be used. Give the token itself (as the\n" +
			"argument, or on standard input), or only its id with --jti when the token is lost: an id alone is kept for\n" +
			"--max-token-ttl, the longest any token can live. A running server reading the same data directory refuses\n" +
			"the token within a second. The dashboard's \"Sign out\" revokes the signed-in token the same way.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireSecret(data, ""); err != nil {
				return err
			}
			revs, err := auth.OpenRevocations(data, nil)
			if err != nil {
				return err
			}
			if jti != "" {
				if len(args) > 0 {
					return errors.New("give a token or --jti, not both")
				}
				if _, err := revs.Revoke(jti, time.Now().Add(maxTTL)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s\n", jti)
				return nil
			}
			tok := ""
			if len(args) > 0 {
				tok = args[0]
			} else {
				raw, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 64<<10))
				if err != nil {
					return err
				}
				tok = string(raw)
			}
			tok = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(tok), "Bearer "))
			if tok == "" {
				return errors.New("give the token to revoke (argument or standard input), or its id with --jti")
			}
			secret, err := auth.LoadSecret(data)
			if err != nil {
				return err
			}
			recorded, err := auth.NewVerifier(secret, nil, auth.WithRevocations(revs)).Revoke(tok)
			if err != nil {
				return err
			}
			if !recorded {
				fmt.Fprintln(cmd.OutOrStdout(), "the token has already expired: nothing to revoke")
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "./ledger-data", "data directory of the server that must refuse the token")
	f.StringVar(&jti, "jti", "", "revoke by token id (the jti claim) instead of by the token")
	f.DurationVar(&maxTTL, "max-token-ttl", auth.DefaultMaxTTL, "the server's --max-token-ttl: how long an id given with --jti is kept")
	return cmd
}

// defaultLoginURL is the address `serve` listens on by default.
const defaultLoginURL = "http://127.0.0.1:8080"

// loginURLArg accepts the one argument `--login-url URL` leaves behind: the flag's value is
// optional, so the flag parser cannot take the next word as its value, and `--login-url=URL` alone
// would be the only spelling that works. Any other argument is refused as before.
func loginURLArg(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	f := cmd.Flags().Lookup("login-url")
	if len(args) == 1 && f.Changed && f.Value.String() == f.NoOptDefVal && strings.Contains(args[0], "://") {
		return nil
	}
	return fmt.Errorf("unexpected argument %q (a sign-in link's address goes after --login-url)", args[0])
}

// requireSecret refuses a data directory that holds no token secret when the secret would be read
// from it (LEDGER_JWT_SECRET unset): a token signed with a secret made there on the spot would be
// refused by the server, which reads another directory. create names the flag that allows it.
func requireSecret(data, create string) error {
	if _, ok := os.LookupEnv(auth.SecretEnv); ok {
		return nil
	}
	path := filepath.Join(data, auth.SecretFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	msg := fmt.Sprintf("%s holds no token secret (%s): is --data right? It is the server's --data; the server creates the secret on its first start", data, path)
	if create != "" {
		msg += "; " + create + " creates it now"
	}
	return errors.New(msg)
}

// signInLink is the dashboard's sign-in page with the token in the fragment: browsers never send a
// fragment to the server, so the token stays out of access logs and proxies; the page's script posts
// it and removes it from the address bar.
func signInLink(base, token string) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--login-url %q must be an http or https base URL such as http://127.0.0.1:8080", base)
	}
	u.Path += "/login"
	u.RawQuery = ""
	u.Fragment = "token=" + token
	return u.String(), nil
}
