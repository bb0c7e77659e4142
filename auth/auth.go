// Package auth issues and checks the bearer tokens people act with: HS256 JWTs whose claims name
// the person (sub, name), the role they act in and the organisation (ODS code) they act for.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/domain"
	"assurance-ledger/internal/keyfile"
)

// Issuer is the iss claim of tokens this ledger mints and accepts.
const Issuer = "assurance-ledger"

// SecretEnv names the environment variable that holds the signing secret.
const SecretEnv = "LEDGER_JWT_SECRET"

// MinSecretLen is the shortest secret accepted: HS256 needs at least 256 bits of key to be as strong
// as its hash (RFC 7518 section 3.2).
const MinSecretLen = 32

// Claims are the claims of a ledger token.
type Claims struct {
	Name string      `json:"name"`
	Role domain.Role `json:"role"`
	Org  string      `json:"org"`
	jwt.RegisteredClaims
}

// Actor returns the person the claims speak for.
func (c Claims) Actor() domain.Actor {
	return domain.Actor{PersonID: c.Subject, Name: c.Name, Role: c.Role, Org: c.Org}
}

// DefaultMaxTTL is the longest lifetime (exp - iat) of a token the server accepts unless told
// otherwise (ledger serve --max-token-ttl): a week, long enough for a client that is minted a
// token weekly, short enough that a token leaked and forgotten stops working by itself.
const DefaultMaxTTL = 7 * 24 * time.Hour

// Mint signs a token for actor, valid from now for ttl, with a fresh random jti that revocation
// names it by.
func Mint(secret []byte, actor domain.Actor, now time.Time, ttl time.Duration) (string, error) {
	if err := checkActor(actor); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("token lifetime must be positive")
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims := Claims{
		Name: actor.Name, Role: actor.Role, Org: actor.Org,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   actor.PersonID,
			ID:        hex.EncodeToString(jti),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// ErrInvalidToken matches every token refusal.
var ErrInvalidToken = errors.New("invalid token")

// Verifier checks tokens against one secret.
type Verifier struct {
	secret []byte
	parser *jwt.Parser
	now    func() time.Time
	maxTTL time.Duration
	// revoked, when set, lists the tokens that may no longer be used (nil: none can be revoked).
	revoked *Revocations
	// seen holds tokens that verified, by their exact text. A client sends the same token with
	// every request; checking its HMAC and decoding its claims again each time was a tenth of the
	// allocation of a GET (docs/performance.md). All that can change for the same text is whether
	// the clock is inside its validity, and that is checked on every use.
	seen *lru.Cache[string, verified]
}

// leeway is the clock skew allowed at both ends of a token's validity.
const leeway = 30 * time.Second

// seenTokens is how many verified tokens a Verifier remembers: the people active at one time.
const seenTokens = 1024

// verified is a token that passed every check: whom it names and when it is valid.
type verified struct {
	actor     domain.Actor
	jti       string
	notBefore time.Time // zero: the token has no nbf
	expires   time.Time
}

// validAt reports whether the token is valid at now, erring towards no: a second inside each
// bound, so that a time at the edge goes back to the parser, which decides it (and words the
// refusal) as for a token never seen.
func (e verified) validAt(now time.Time) bool {
	return (e.notBefore.IsZero() || !now.Before(e.notBefore.Add(-leeway+time.Second))) &&
		now.Before(e.expires.Add(leeway-time.Second))
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithMaxTTL refuses tokens whose lifetime (exp - iat) is longer than d; the default is
// DefaultMaxTTL.
func WithMaxTTL(d time.Duration) Option { return func(v *Verifier) { v.maxTTL = d } }

// WithRevocations refuses the tokens r lists and lets Revoke add to it.
func WithRevocations(r *Revocations) Option { return func(v *Verifier) { v.revoked = r } }

// NewVerifier returns a Verifier. now is the clock expiry is checked against (nil: time.Now).
func NewVerifier(secret []byte, now func() time.Time, options ...Option) *Verifier {
	if now == nil {
		now = time.Now
	}
	opts := []jwt.ParserOption{
		// Only HS256: a token naming "none" or an asymmetric algorithm is refused before its
		// signature is looked at (the classic algorithm-confusion attacks).
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
	}
	seen, _ := lru.New[string, verified](seenTokens) // only fails for a size <= 0
	v := &Verifier{secret: secret, parser: jwt.NewParser(opts...), now: now, seen: seen, maxTTL: DefaultMaxTTL}
	for _, o := range options {
		o(v)
	}
	return v
}

// MaxTTL is the longest token lifetime v accepts.
func (v *Verifier) MaxTTL() time.Duration { return v.maxTTL }

// ErrRevoked is a token refused because it was revoked.
var ErrRevoked = fmt.Errorf("%w: token has been revoked", ErrInvalidToken)

// Verify parses and checks a token and returns the actor it names.
func (v *Verifier) Verify(token string) (domain.Actor, error) {
	if e, ok := v.seen.Get(token); ok && e.validAt(v.now()) {
		if v.revoked != nil && v.revoked.Revoked(e.jti) {
			return domain.Actor{}, ErrRevoked
		}
		return e.actor, nil
	}
	claims, err := v.parse(token)
	if err != nil {
		return domain.Actor{}, err
	}
	actor := claims.Actor()
	if err := checkActor(actor); err != nil {
		return domain.Actor{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if err := v.checkLifetime(claims); err != nil {
		return domain.Actor{}, err
	}
	if v.revoked != nil && v.revoked.Revoked(claims.ID) {
		return domain.Actor{}, ErrRevoked
	}
	e := verified{actor: actor, jti: claims.ID, expires: claims.ExpiresAt.Time} // required: the parser refused a token without
	if claims.NotBefore != nil {
		e.notBefore = claims.NotBefore.Time
	}
	v.seen.Add(token, e)
	return actor, nil
}

// checkLifetime requires a jti (revocation names a token by it) and an iat, and a lifetime from
// iat to exp no longer than the server allows, however far off the token's exp is.
func (v *Verifier) checkLifetime(c Claims) error {
	switch {
	case strings.TrimSpace(c.ID) == "":
		return fmt.Errorf("%w: claim jti (token id) is required; mint a new token", ErrInvalidToken)
	case c.IssuedAt == nil:
		return fmt.Errorf("%w: claim iat (issued at) is required", ErrInvalidToken)
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > v.maxTTL:
		return fmt.Errorf("%w: the token is valid for %s, longer than this server accepts (%s)", ErrInvalidToken,
			c.ExpiresAt.Sub(c.IssuedAt.Time).Round(time.Second), v.maxTTL)
	}
	return nil
}

// Revoke makes token unusable on this server from now on, and on every server reading the same
// data directory within a second; it stays revoked across restarts until it would have expired.
// The token must carry this ledger's signature (its expiry does not matter: an expired token
// needs no entry). It reports whether an entry was recorded.
func (v *Verifier) Revoke(token string) (bool, error) {
	if v.revoked == nil {
		return false, errors.New("this server keeps no revocation list")
	}
	var claims Claims
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return v.secret, nil })
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.ExpiresAt == nil {
		return false, fmt.Errorf("%w: the token has no exp, so none is accepted", ErrInvalidToken)
	}
	v.seen.Remove(token)
	return v.revoked.Revoke(claims.ID, claims.ExpiresAt.Time)
}

// parse checks the token's form, signature and registered claims and returns its claims.
func (v *Verifier) parse(token string) (Claims, error) {
	if err := checkEncoding(token); err != nil {
		return Claims{}, err
	}
	var claims Claims
	_, err := v.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return v.secret, nil })
	if err != nil {
		switch {
		case strings.Contains(err.Error(), "signing method"):
			// jwt reports a refused alg (none, RS256...) as an invalid signature; say what is wrong.
			return Claims{}, fmt.Errorf("%w: only HS256 tokens are accepted", ErrInvalidToken)
		case errors.Is(err, jwt.ErrTokenExpired):
			return Claims{}, fmt.Errorf("%w: the token has expired (mint a new one)", ErrInvalidToken)
		case errors.Is(err, jwt.ErrTokenSignatureInvalid):
			return Claims{}, fmt.Errorf("%w: its signature does not verify: it was signed with another secret than this server's (a token minted with another --data, or altered)", ErrInvalidToken)
		default:
			return Claims{}, fmt.Errorf("%w: %s", ErrInvalidToken, strings.TrimPrefix(err.Error(), "token has invalid claims: "))
		}
	}
	return claims, nil
}

// checkActor holds the person a token names to the rules for who may be recorded as acting
// (domain.Actor.Check): a token's sub and name are written into every event its holder causes and
// into the access log, so a bidirectional override, a zero-width space or 15,000 characters there
// would be recorded for good. A minted token is checked the same way.
func checkActor(a domain.Actor) error {
	problems := a.Check()
	if len(problems) == 0 {
		return nil
	}
	claim := map[string]string{"person_id": "sub (person id)", "name": "name", "role": "role", "org": "org (ODS code)"}
	p := problems[0]
	return fmt.Errorf("claim %s %s", claim[p.Field], p.Message)
}

// SecretFile is the secret's file under a data directory when SecretEnv is unset.
const SecretFile = "jwt-secret"

// LoadSecret returns the signing secret: LEDGER_JWT_SECRET when set, else the one kept in
// <dataDir>/jwt-secret, generating it (256 random bits, mode 0600) on first use.
func LoadSecret(dataDir string) ([]byte, error) {
	if s, ok := os.LookupEnv(SecretEnv); ok {
		if len(s) < MinSecretLen {
			return nil, fmt.Errorf("%s must be at least %d bytes", SecretEnv, MinSecretLen)
		}
		return []byte(s), nil
	}
	s, err := keyfile.LoadOrCreate(dataDir, SecretFile, func() (string, error) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		return hex.EncodeToString(raw), nil
	})
	if err != nil {
		return nil, err
	}
	if len(s) < MinSecretLen {
		return nil, fmt.Errorf("%s holds fewer than %d bytes: delete it to generate a new one", filepath.Join(dataDir, SecretFile), MinSecretLen)
	}
	return []byte(s), nil
}

// SessionCookie is the dashboard's cookie, which holds a bearer token: a request may present a
// token there or in an Authorization header, and must not present two different ones.
const SessionCookie = "ledger_session"

// ConflictingCredentials says what is wrong when r presents more than one token and they differ:
// Authorization headers that disagree, an Authorization header and a session cookie naming
// different tokens, or two session cookies holding different tokens. "" when r presents at most
// one token (an empty cookie, what sign-out leaves, presents none). Judging such a request by
// whichever credential is read first would let the order of headers or cookies decide who is
// acting: with a valid cookie and a garbage one, the page answered or sent the visitor to sign in
// depending on which came first.
func ConflictingCredentials(r *http.Request) string {
	var headers []string
	for _, h := range r.Header.Values("Authorization") {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			h = strings.TrimSpace(tok)
		}
		headers = append(headers, h)
	}
	for _, t := range headers[min(1, len(headers)):] {
		if t != headers[0] {
			return "the request has two Authorization headers naming different credentials; send one"
		}
	}
	var cookie string
	for _, ck := range r.CookiesNamed(SessionCookie) {
		switch {
		case ck.Value == "":
		case len(headers) > 0 && ck.Value != headers[0]:
			return "the request presents one token in its Authorization header and another in the " + SessionCookie + " cookie; send one"
		case cookie != "" && ck.Value != cookie:
			return "the request has two " + SessionCookie + " cookies holding different tokens; sign out, or clear this site's cookies, and sign in again"
		}
		if ck.Value != "" {
			cookie = ck.Value
		}
	}
	return ""
}
