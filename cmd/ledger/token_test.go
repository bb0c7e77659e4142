package main

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
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
		{name: "given address after a space", flag: "--login-url https://ledger.example.org/", wantBase: "https://ledger.example.org/login"},
		{name: "not a URL", flag: "--login-url=ledger.example.org", fails: true},
		{name: "a stray argument", flag: "--login-url https://a.example.org/ https://b.example.org/", fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"token", "--data", dir, "--init", "--sub", "au-1", "--name", "Audrey Auditor", "--role", "auditor", "--org", "X26"}
			if tc.flag != "" {
				args = append(args, strings.Fields(tc.flag)...)
			}
			code, out, errOut := runCLI(t, args...)
			if tc.fails {
				assert.Equal(t, 2, code)
				assert.Contains(t, errOut, "login-url")
				assert.Empty(t, out)
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

// A --data that holds no secret is refused, whatever the command is asked to do with it, unless
// --init asks for the secret to be made: a typo must not mint a token the server will refuse.
func TestTokenRefusesADirectoryWithoutASecret(t *testing.T) {
	t.Setenv(auth.SecretEnv, "") // set, then unset below: the test's own environment must not decide
	require.NoError(t, os.Unsetenv(auth.SecretEnv))
	ledger := t.TempDir()
	code, _, errOut := runCLI(t, "token", "--data", ledger, "--init", "--sub", "a", "--name", "A", "--role", "auditor", "--org", "X09")
	require.Equal(t, 0, code, errOut)
	typo := filepath.Join(t.TempDir(), "ledger-dta")
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
	}{
		{name: "mint in the ledger's directory", args: []string{"token", "--data", ledger, "--sub", "a", "--name", "A", "--role", "auditor", "--org", "X09"}, ok: true},
		{name: "mint in a mistyped directory", args: []string{"token", "--data", typo, "--sub", "a", "--name", "A", "--role", "auditor", "--org", "X09"}},
		{name: "revoke in a mistyped directory", args: []string{"token", "revoke", "--data", typo, "--jti", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if tc.ok {
				assert.Equal(t, 0, code, errOut)
				return
			}
			assert.Equal(t, 2, code)
			assert.Empty(t, out, "no token is printed")
			assert.Contains(t, errOut, "holds no token secret")
			assert.Contains(t, errOut, "is --data right?")
			_, err := os.Stat(typo)
			assert.ErrorIs(t, err, fs.ErrNotExist, "nothing is created")
		})
	}
	code, out, errOut := runCLI(t, "token", "--data", typo, "--init", "--sub", "a", "--name", "A", "--role", "auditor", "--org", "X09")
	require.Equal(t, 0, code, errOut)
	secret, err := auth.LoadSecret(typo)
	require.NoError(t, err)
	_, err = auth.NewVerifier(secret, nil).Verify(strings.TrimSpace(out))
	assert.NoError(t, err, "--init makes the secret the token is signed with")
}

// ledger token mints no token the server would refuse for whom it names: a bidirectional override
// or a zero-width space in --sub or --name, a --sub of 15,000 characters.
func TestTokenRefusesActorsBreakingTheTextRules(t *testing.T) {
	for _, tc := range []struct{ sub, name, want string }{
		{"eve\u202e", "Eve Forger", "claim sub"},
		{"eve", "Eve\u202eForger\u200b", "claim name"},
		{strings.Repeat("e", 15_000), "Eve Forger", "claim sub"},
	} {
		code, out, errOut := runCLI(t, "token", "--data", t.TempDir(), "--init", "--sub", tc.sub, "--name", tc.name, "--role", "provider", "--org", "RJ1")
		assert.NotEqual(t, 0, code)
		assert.Empty(t, strings.TrimSpace(out), "no token")
		assert.Contains(t, errOut, tc.want)
	}
}
