package main

import (
	"fmt"
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
	for _, name := range []string{"sub", "name", "role", "org"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}
