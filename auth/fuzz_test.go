package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzNow is the fuzz verifier's clock, so that seed tokens stay valid (or expired) for ever.
var fuzzNow = now.Add(10 * time.Minute)

// checkVerified fails unless token was accepted honestly: an HS256 token whose signature is the
// HMAC of its first two parts under secret, naming every claim the ledger needs.
func checkVerified(t *testing.T, token string) {
	t.Helper()
	actor, err := NewVerifier(secret, func() time.Time { return fuzzNow }).Verify(token)
	if err != nil {
		if !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("refusal %v is not ErrInvalidToken", err)
		}
		if actor.PersonID != "" || actor.Role != "" {
			t.Fatalf("refusal %v came with an actor %+v", err, actor)
		}
		return
	}
	if err := checkActor(actor); err != nil {
		t.Fatalf("accepted a token without a required claim (%v): %q", err, token)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted a token of %d parts: %q", len(parts), token)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		t.Fatalf("accepted a token whose signature is not the HMAC of its content: %q", token)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if raw, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(raw, &header) != nil || header.Alg != "HS256" {
		t.Fatalf("accepted a token whose header is not HS256: %q", token)
	}
	// exp as golang-jwt reads a NumericDate: a JSON number, or a string holding one (lenient, but
	// only the holder of the secret can put it there).
	var claims struct {
		Iss string       `json:"iss"`
		Exp *json.Number `json:"exp"`
		Iat *json.Number `json:"iat"`
		JTI string       `json:"jti"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		t.Fatalf("accepted a token whose claims do not decode: %q", token)
	}
	var exp float64
	if claims.Exp != nil {
		exp, err = claims.Exp.Float64()
	}
	if claims.Iss != Issuer || claims.Exp == nil || err != nil || time.Unix(int64(exp), 0).Before(fuzzNow.Add(-time.Minute)) {
		t.Fatalf("accepted a token with issuer %q and expiry %v at %s: %q", claims.Iss, claims.Exp, fuzzNow, token)
	}
	var iat float64
	if claims.Iat != nil {
		iat, err = claims.Iat.Float64()
	}
	// Whole seconds, as golang-jwt keeps a NumericDate (jwt.TimePrecision).
	if strings.TrimSpace(claims.JTI) == "" || claims.Iat == nil || err != nil || math.Floor(exp)-math.Floor(iat) > DefaultMaxTTL.Seconds() {
		t.Fatalf("accepted a token without a jti, or living longer than %s (iat %v, exp %v): %q", DefaultMaxTTL, claims.Iat, claims.Exp, token)
	}
}

// FuzzVerify: any string offered as a bearer token is refused with ErrInvalidToken or verifies
// honestly; nothing panics.
func FuzzVerify(f *testing.F) {
	good, err := Mint(secret, alice, now, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	expired, err := Mint(secret, alice, now.Add(-2*time.Hour), time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good, ".")
	for _, s := range []string{
		good, expired, good + "x", parts[0] + "." + parts[1] + ".", parts[0] + "." + parts[1],
		"eyJhbGciOiJub25lIn0." + parts[1] + ".", "", ".", "..", "a.b.c", "Bearer " + good, " " + good,
		strings.ToUpper(good), good + "." + parts[2],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) { checkVerified(t, token) })
}

// FuzzVerifySignedClaims: any header and claims, correctly signed with the ledger's secret, are
// refused or give an actor with every required claim, a live expiry and the ledger as issuer. The
// fuzzer cannot forge the HMAC, so this is where accepted tokens are explored: what a holder of the
// secret (a bug in minting, another service sharing it) could put in one.
func FuzzVerifySignedClaims(f *testing.F) {
	hs := `{"alg":"HS256","typ":"JWT"}`
	exp := `,"jti":"t-1","iat":1243857600,"exp":1243872000` // issued at now, expires 2009-06-01T16:00:00Z, after fuzzNow
	for _, s := range [][2]string{
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"Alice","role":"admin","org":"X26"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"Alice","role":"admin","org":"X26"}`},
		{hs, `{"iss":"assurance-ledger","sub":" ","name":"Alice","role":"admin","org":"X26"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"Alice","role":"root","org":"X26"` + exp + `}`},
		{hs, `{"iss":["assurance-ledger"],"sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09","jti":"t-1","iat":1243857600,"exp":"1243872000"}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09","jti":"t-1","iat":1243857600,"exp":1e400}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09","jti":"t-1","iat":1243857600,"exp":4397472000}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09","iat":1243857600,"exp":1243872000}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","sub":"p-2","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{`{"alg":"none"}`, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{`{"alg":"HS512"}`, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{`{"alg":"HS256","crit":["b64"],"b64":false}`, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{`{"alg":"HS256","crit":["exp"]}`, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{`{"alg":"HS256","alg":"HS256"}`, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","role":"auditor","org":"X09","ROLE":"admin"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","sub":"p-1","name":"A","Role":"admin","org":"X09"` + exp + `}`},
		{hs, `{"iss":"assurance-ledger","ſub":"p-1","name":"A","role":"cfh","org":"X09"` + exp + `}`},
		{hs, `null`},
		{hs, `[]`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, header, claims []byte) {
		signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(signing))
		token := signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		checkVerified(t, token)
		_, err := NewVerifier(secret, func() time.Time { return fuzzNow }).Verify(token)
		if names, _ := memberNames(header); slices.Contains(names, "crit") && err == nil {
			t.Fatalf("accepted a header with crit: %s", header)
		}
		// Accepted claims are read by their exact names only: no two differ only in case, and
		// none is a claim of the ledger spelt in another case.
		if names, _ := memberNames(claims); err == nil {
			if a, b, ok := caseVariants(names); ok {
				t.Fatalf("accepted claims naming %q and %q: %s", a, b, claims)
			}
			for _, n := range names {
				for _, c := range claimNames {
					if n != c && sameFolded(n, c) {
						t.Fatalf("accepted claim %q for %q: %s", n, c, claims)
					}
				}
			}
		}
		if bytes.Contains(header, []byte("none")) && !bytes.Contains(header, []byte("HS256")) {
			if _, err := NewVerifier(secret, func() time.Time { return fuzzNow }).Verify(token); err == nil {
				t.Fatalf("accepted alg none: %s", header)
			}
		}
	})
}
