package auth

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Date(2009, 6, 1, 12, 0, 0, 0, time.UTC)
	alice  = domain.Actor{PersonID: "p-1", Name: "Alice Smith", Role: domain.RoleChiefExecutive, Org: "5K5"}
)

func TestMintVerifyRoundTrip(t *testing.T) {
	tok, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	got, err := NewVerifier(secret, func() time.Time { return now.Add(30 * time.Minute) }).Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, alice, got)
}

func TestVerifyRefuses(t *testing.T) {
	good, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	parts := strings.Split(good, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	other, err := Mint([]byte("another-secret-another-secret-xx"), alice, now, time.Hour)
	require.NoError(t, err)
	badRole, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Name: "x", Role: "superuser", Org: "5K5",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: "p", ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString(secret)
	require.NoError(t, err)
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Name: "x", Role: domain.RoleAdmin, Org: "X26",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: "p"}}).SignedString(secret)
	require.NoError(t, err)
	wrongIss, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Name: "x", Role: domain.RoleAdmin, Org: "X26",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "someone-else", Subject: "p", ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString(secret)
	require.NoError(t, err)

	tests := []struct {
		name, token, want string
		at                time.Time
	}{
		{"expired", good, "the token has expired (mint a new one)", now.Add(2 * time.Hour)},
		{"wrong signature", other, "signed with another secret than this server's", now},
		{"alg none", noneHeader + "." + parts[1] + ".", "HS256", now},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"p-1","name":"A","role":"admin","org":"5K5","iss":"assurance-ledger","exp":9999999999}`)) + "." + parts[2], "signature", now},
		{"garbage", "not-a-token", "malformed", now},
		{"unknown role", badRole, "role", now},
		{"no expiry", noExp, "exp", now},
		{"wrong issuer", wrongIss, "iss", now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewVerifier(secret, func() time.Time { return tc.at }).Verify(tc.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMintRefusesIncompleteActor(t *testing.T) {
	for _, a := range []domain.Actor{
		{Name: "n", Role: domain.RoleAdmin, Org: "X"},
		{PersonID: "p", Role: domain.RoleAdmin, Org: "X"},
		{PersonID: "p", Name: "n", Role: "boss", Org: "X"},
		{PersonID: "p", Name: "n", Role: domain.RoleAdmin},
	} {
		_, err := Mint(secret, a, now, time.Hour)
		assert.Error(t, err, "%+v", a)
	}
	_, err := Mint(secret, alice, now, 0)
	assert.Error(t, err)
}

func TestLoadSecret(t *testing.T) {
	t.Run("generated once, kept with mode 0600", func(t *testing.T) {
		t.Setenv(SecretEnv, "")
		os.Unsetenv(SecretEnv)
		dir := t.TempDir()
		s1, err := LoadSecret(dir)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(s1), MinSecretLen)
		st, err := os.Stat(filepath.Join(dir, "jwt-secret"))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		s2, err := LoadSecret(dir)
		require.NoError(t, err)
		assert.Equal(t, s1, s2)
	})
	t.Run("environment wins", func(t *testing.T) {
		t.Setenv(SecretEnv, string(secret))
		s, err := LoadSecret(t.TempDir())
		require.NoError(t, err)
		assert.Equal(t, secret, s)
	})
	t.Run("short environment secret refused", func(t *testing.T) {
		t.Setenv(SecretEnv, "short")
		_, err := LoadSecret(t.TempDir())
		assert.ErrorContains(t, err, SecretEnv)
	})
	t.Run("short file refused", func(t *testing.T) {
		t.Setenv(SecretEnv, "")
		os.Unsetenv(SecretEnv)
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "jwt-secret"), []byte("abc"), 0o600))
		_, err := LoadSecret(dir)
		assert.ErrorContains(t, err, "delete it")
	})
}
