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
)

// sign signs header and claims, given as JSON text, with the test secret.
func sign(t *testing.T, header, claims string) string {
	t.Helper()
	signing := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodHS256.Sign(signing, secret)
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestMintedTokensCarryAJTI(t *testing.T) {
	a, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	b, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	var ca, cb Claims
	_, _, err = jwt.NewParser().ParseUnverified(a, &ca)
	require.NoError(t, err)
	_, _, err = jwt.NewParser().ParseUnverified(b, &cb)
	require.NoError(t, err)
	assert.Len(t, ca.ID, 32)
	assert.NotEqual(t, ca.ID, cb.ID, "each token its own id")
}

func TestVerifyRefusesUnboundedOrAmbiguousTokens(t *testing.T) {
	hs := `{"alg":"HS256","typ":"JWT"}`
	person := `"iss":"assurance-ledger","sub":"p-1","name":"Alice","role":"admin","org":"X26"`
	iat, exp := `"iat":1243857600`, `"exp":1243872000` // now, now + 4 h
	century := `"exp":4397472000`                      // 2109
	at := func() time.Time { return now.Add(time.Minute) }
	tests := []struct {
		name, token, want string
	}{
		{"no jti", sign(t, hs, `{`+person+`,`+iat+`,`+exp+`}`), "jti"},
		{"no iat", sign(t, hs, `{`+person+`,"jti":"t-1",`+exp+`}`), "iat"},
		{"a century", sign(t, hs, `{`+person+`,"jti":"t-1",`+iat+`,`+century+`}`), "longer than this server accepts"},
		{"a critical extension", sign(t, `{"alg":"HS256","crit":["b64"],"b64":false}`, `{`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`), "crit"},
		{"an unknown critical name", sign(t, `{"alg":"HS256","crit":["x-ledger"],"x-ledger":1}`, `{`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`), "crit"},
		{"sub twice", sign(t, hs, `{`+person+`,"sub":"p-2","jti":"t-1",`+iat+`,`+exp+`}`), "duplicate"},
		{"role twice", sign(t, hs, `{"role":"auditor",`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`), "duplicate"},
		{"alg twice", sign(t, `{"alg":"none","alg":"HS256"}`, `{`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`), "duplicate"},
		{"role twice, in two cases", sign(t, hs, `{`+person+`,"ROLE":"auditor","jti":"t-1",`+iat+`,`+exp+`}`), "differing only in case"},
		{"a claim twice, one in a long s", sign(t, hs, `{`+person+`,"\u017fub":"p-2","jti":"t-1",`+iat+`,`+exp+`}`), "differing only in case"},
		{"alg twice, in two cases", sign(t, `{"alg":"HS256","ALG":"none"}`, `{`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`), "differing only in case"},
		{"a claim in another case", sign(t, hs, `{"iss":"assurance-ledger","sub":"p-1","name":"Alice","Role":"admin","org":"X26","jti":"t-1",`+iat+`,`+exp+`}`), "case-sensitive"},
		{"exp in another case", sign(t, hs, `{`+person+`,"jti":"t-1",`+iat+`,"Exp":1243872000}`), "case-sensitive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewVerifier(secret, at).Verify(tc.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	good := sign(t, hs, `{`+person+`,"jti":"t-1",`+iat+`,`+exp+`}`)
	_, err := NewVerifier(secret, at).Verify(good)
	require.NoError(t, err, "the same claims once each, with a jti and a bounded life")

	t.Run("the maximum is the server's to set", func(t *testing.T) {
		_, err := NewVerifier(secret, at, WithMaxTTL(time.Hour)).Verify(good)
		require.ErrorIs(t, err, ErrInvalidToken, "4 h > 1 h")
		long, err := Mint(secret, alice, now, 30*24*time.Hour)
		require.NoError(t, err)
		_, err = NewVerifier(secret, at).Verify(long)
		require.ErrorIs(t, err, ErrInvalidToken, "30 days > the default week")
		_, err = NewVerifier(secret, at, WithMaxTTL(31*24*time.Hour)).Verify(long)
		require.NoError(t, err)
	})
}

func TestRevokedTokensStayRevokedAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	at := now
	clock := func() time.Time { return at }
	revs, err := OpenRevocations(dir, clock)
	require.NoError(t, err)
	v := NewVerifier(secret, clock, WithRevocations(revs))
	tok, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	other, err := Mint(secret, alice, now, 2*time.Hour)
	require.NoError(t, err)
	_, err = v.Verify(tok) // remembered: revocation must reach remembered tokens too
	require.NoError(t, err)

	recorded, err := v.Revoke(tok)
	require.NoError(t, err)
	assert.True(t, recorded)
	_, err = v.Verify(tok)
	require.ErrorIs(t, err, ErrRevoked)
	_, err = v.Verify(other)
	require.NoError(t, err, "only that token")

	// A new process: the revocation is read back from the data directory.
	revs2, err := OpenRevocations(dir, clock)
	require.NoError(t, err)
	v2 := NewVerifier(secret, clock, WithRevocations(revs2))
	_, err = v2.Verify(tok)
	require.ErrorIs(t, err, ErrRevoked)

	// Another process revoking is seen by a running one within a second.
	_, err = v2.Revoke(other)
	require.NoError(t, err)
	at = at.Add(recheckEvery)
	_, err = v.Verify(other)
	require.ErrorIs(t, err, ErrRevoked)

	// An entry is kept only until its token would have expired: the file stays bounded.
	at = now.Add(3 * time.Hour)
	revs3, err := OpenRevocations(dir, clock)
	require.NoError(t, err)
	assert.Equal(t, 0, revs3.count(), "both tokens have expired")
	raw, err := os.ReadFile(filepath.Join(dir, RevocationsFile))
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(string(raw)), "compacted at open")

	// An expired token needs no entry; a token of another secret cannot be revoked.
	recorded, err = v.Revoke(tok)
	require.NoError(t, err)
	assert.False(t, recorded)
	foreign, err := Mint([]byte("another-secret-another-secret-xx"), alice, at, time.Hour)
	require.NoError(t, err)
	_, err = v.Revoke(foreign)
	require.ErrorIs(t, err, ErrInvalidToken)
}

func TestRevocationsSkipALineACrashCutShort(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, RevocationsFile), []byte(`{"jti":"a","until":"2009-06-01T13:00:00Z"}`+"\n"+`{"jti":"b","unt`), 0o600))
	revs, err := OpenRevocations(dir, func() time.Time { return now })
	require.NoError(t, err)
	assert.True(t, revs.Revoked("a"))
	assert.False(t, revs.Revoked("b"), "never acknowledged")
	_, err = revs.Revoke("c", now.Add(time.Hour))
	require.NoError(t, err)
	again, err := OpenRevocations(dir, func() time.Time { return now })
	require.NoError(t, err)
	assert.True(t, again.Revoked("a"))
	assert.True(t, again.Revoked("c"), "the append after the cut line is a line of its own")
}
