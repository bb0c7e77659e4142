package main

import (
	"fmt"
	"net/url"
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
		// loginURL is the dashboard's address; when set, the command prints a sign-in link instead.
		loginURL string
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a bearer token for this store (development and operations)",
		Long: "Mint an HS256 bearer token signed with the store's secret (LEDGER_JWT_SECRET, else <data>/jwt-secret,\n" +
			"generated on first use). The ledger trusts the claims it carries, so keep minted tokens as you would the secret.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.Role = domain.Role(role)
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
	f.DurationVar(&ttl, "ttl", 24*time.Hour, "lifetime")
	f.StringVar(&loginURL, "login-url", "", "print a one-click dashboard sign-in link for the service at this base URL (e.g. http://127.0.0.1:8080)")
	f.Lookup("login-url").NoOptDefVal = "http://127.0.0.1:8080"
	for _, name := range []string{"sub", "name", "role", "org"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
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
