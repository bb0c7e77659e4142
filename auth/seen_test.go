package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A token once verified is answered from memory while the clock is inside its validity: shown by
// changing the verifier's secret afterwards, which a token checked afresh would fail on.
func TestVerifiedTokensAreRemembered(t *testing.T) {
	at := now
	v := NewVerifier(secret, func() time.Time { return at })
	tok, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	_, err = v.Verify(tok)
	require.NoError(t, err)

	v.secret = []byte("another-secret-another-secret-xx")
	at = now.Add(59 * time.Minute)
	got, err := v.Verify(tok)
	require.NoError(t, err, "remembered")
	assert.Equal(t, alice, got)

	fresh, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)
	require.NotEqual(t, tok, fresh[:len(fresh)-1]+"x")
	_, err = v.Verify(fresh[:len(fresh)-1] + "x") // another text: checked, against the new secret
	require.ErrorIs(t, err, ErrInvalidToken)

	at = now.Add(2 * time.Hour)
	_, err = v.Verify(tok)
	require.ErrorIs(t, err, ErrInvalidToken, "expiry is checked on every use")
}

// Around each bound of a token's validity, a verifier that has seen the token answers exactly as
// one that has not: same acceptance, same words.
func TestRememberedTokensExpireAsFreshOnes(t *testing.T) {
	nbf := now.Add(10 * time.Minute)
	exp := now.Add(time.Hour)
	withNbf, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{Name: alice.Name, Role: alice.Role, Org: alice.Org,
		RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: alice.PersonID, ID: "t-1", IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(nbf), ExpiresAt: jwt.NewNumericDate(exp)}}).SignedString(secret)
	require.NoError(t, err)
	minted, err := Mint(secret, alice, now, time.Hour)
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		token string
		edges []time.Time
	}{
		{"nbf and exp", withNbf, []time.Time{nbf.Add(-leeway), exp.Add(leeway)}},
		{"minted", minted, []time.Time{exp.Add(leeway)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := nbf.Add(5 * time.Minute) // valid for both tokens
			warm := NewVerifier(secret, func() time.Time { return at })
			_, err := warm.Verify(tc.token)
			require.NoError(t, err)
			checked := 0
			for _, edge := range tc.edges {
				for d := -3 * time.Second; d <= 3*time.Second; d += 250 * time.Millisecond {
					at = edge.Add(d)
					want, wantErr := NewVerifier(secret, func() time.Time { return at }).Verify(tc.token)
					got, gotErr := warm.Verify(tc.token)
					require.Equal(t, want, got, "at %s", d)
					if wantErr == nil {
						require.NoError(t, gotErr, "at edge %s", d)
					} else {
						require.EqualError(t, gotErr, wantErr.Error(), "at edge %s", d)
					}
					checked++
				}
			}
			require.Equal(t, 25*len(tc.edges), checked)
		})
	}
}

// BenchmarkVerify is a token checked afresh and one remembered.
func BenchmarkVerify(b *testing.B) {
	tok, err := Mint(secret, alice, time.Now(), time.Hour)
	require.NoError(b, err)
	b.Run("fresh", func(b *testing.B) {
		v := NewVerifier(secret, nil)
		b.ReportAllocs()
		for b.Loop() {
			v.seen.Purge()
			if _, err := v.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		v := NewVerifier(secret, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
