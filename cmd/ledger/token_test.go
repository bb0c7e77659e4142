package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
)

func TestTokenLoginURL(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flag     string
		wantBase string
		fails    bool
	}{
		{name: "plain token", flag: ""},
		{name: "default local address", flag: "--login-url", wantBase: "http://127.0.0.1:8080/login"},
		{name: "given address", flag: "--login-url=https://ledger.example.org/", wantBase: "https://ledger.example.org/login"},
		{name: "not a URL", flag: "--login-url=ledger.example.org", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"token", "--data", dir, "--sub", "au-1", "--name", "Audrey Auditor", "--role", "auditor", "--org", "X26"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			code, out, errOut := runCLI(t, args...)
			if tc.fails {
				assert.Equal(t, 2, code)
				assert.Contains(t, errOut, "--login-url")
				return
			}
			require.Equal(t, 0, code, errOut)
			tok := strings.TrimSpace(out)
			if tc.wantBase != "" {
				u, err := url.Parse(tok)
				require.NoError(t, err)
				assert.Empty(t, u.RawQuery, "the token is never in the query, which servers log")
				fragment, found := strings.CutPrefix(u.Fragment, "token=")
				require.True(t, found, out)
				u.Fragment = ""
				assert.Equal(t, tc.wantBase, u.String())
				tok = fragment
			}
			secret, err := auth.LoadSecret(dir)
			require.NoError(t, err)
			actor, err := auth.NewVerifier(secret, nil).Verify(tok)
			require.NoError(t, err)
			assert.Equal(t, "au-1", actor.PersonID)
		})
	}
}

// ledger token mints no token the server would refuse for whom it names: a bidirectional override
// or a zero-width space in --sub or --name, a --sub of 15,000 characters.
func TestTokenRefusesActorsBreakingTheTextRules(t *testing.T) {
	for _, tc := range []struct{ sub, name, want string }{
		{"eve\u202e", "Eve Forger", "claim sub"},
		{"eve", "Eve\u202eForger\u200b", "claim name"},
		{strings.Repeat("e", 15_000), "Eve Forger", "claim sub"},
	} {
		code, out, errOut := runCLI(t, "token", "--data", t.TempDir(), "--sub", tc.sub, "--name", tc.name, "--role", "provider", "--org", "RJ1")
		assert.NotEqual(t, 0, code)
		assert.Empty(t, strings.TrimSpace(out), "no token")
		assert.Contains(t, errOut, tc.want)
	}
}
