package api

import (
	"fmt"
	"math"
	"net/http"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// limiterKeys bounds how many principals' buckets are kept. A bucket evicted is one not used for a
// long while; recreating it full costs nothing but a short burst. Anonymous buckets (by IP) are
// in the same cache, so a flood of addresses cannot grow memory without bound.
const limiterKeys = 16384

// limiter is a token bucket per principal: the person a token names, or the client address for a
// request that did not authenticate. Echo's RateLimiter middleware was not used because its deny
// handler is not told when a token will next be free, and a 429 should say, in Retry-After.
type limiter struct {
	limit   rate.Limit
	burst   int
	buckets *lru.Cache[string, *rate.Limiter]
	now     func() time.Time
}

// newLimiter returns nil, meaning no limit, when perSecond is not positive.
func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	if now == nil {
		now = time.Now
	}
	buckets, _ := lru.New[string, *rate.Limiter](limiterKeys) // only fails for a size <= 0
	return &limiter{limit: rate.Limit(perSecond), burst: burst, buckets: buckets, now: now}
}

// RateLimit is the per-person request limit New applies to /v1, made once to be shared with what
// is served beside the API (the dashboard), so that a person has one allowance however they reach
// the ledger.
type RateLimit struct{ l *limiter }

// NewRateLimit allows perSecond requests a second to each person, bursts of burst; perSecond <= 0
// means no limit.
func NewRateLimit(perSecond float64, burst int) *RateLimit {
	return &RateLimit{l: newLimiter(perSecond, burst, nil)}
}

// TakePerson spends one of the person's requests. When none is left it spends nothing and says how
// long until one is.
func (r *RateLimit) TakePerson(personID string) (retryAfter time.Duration, ok bool) {
	if r == nil || r.l == nil {
		return 0, true
	}
	return r.l.take(personKey(personID))
}

// TakeAddress spends one of the requests allowed to a client address that has not authenticated
// (the same allowance as a failed authentication on /v1). When none is left it spends nothing and
// says how long until one is.
func (r *RateLimit) TakeAddress(ip string) (retryAfter time.Duration, ok bool) {
	if r == nil || r.l == nil {
		return 0, true
	}
	return r.l.take(addressKey(ip))
}

func personKey(personID string) string { return "person:" + personID }

func addressKey(ip string) string { return "ip:" + ip }

// take spends one token of key's bucket. When none is left it spends nothing and says how long
// until one is.
func (l *limiter) take(key string) (wait time.Duration, ok bool) {
	b, found := l.buckets.Get(key)
	if !found {
		fresh := rate.NewLimiter(l.limit, l.burst)
		if prev, exists, _ := l.buckets.PeekOrAdd(key, fresh); exists {
			b = prev
		} else {
			b = fresh
		}
	}
	now := l.now()
	r := b.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// check answers 429 with Retry-After (whole seconds, at least 1) when key is over its limit.
func (l *limiter) check(key, who string) error {
	if l == nil {
		return nil
	}
	wait, ok := l.take(key)
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	p := newProblem(http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("too many requests from %s: at most %g a second (bursts of %d); retry in %d s", who, float64(l.limit), l.burst, secs))
	p.retryAfter = secs
	return p
}

// limitPrincipal limits an authenticated request by the person acting, whatever credential they
// presented: a person cannot escape the limit by minting more tokens.
func (s *server) limitPrincipal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		if err := s.limiter.check(personKey(a.PersonID), "person "+a.PersonID); err != nil {
			return err
		}
		return next(c)
	}
}

// limitAnonymous limits requests that failed to authenticate by client address; it returns the
// 429, or nil to let the authentication failure be answered.
func (s *server) limitAnonymous(c echo.Context) error {
	return s.limiter.check(addressKey(c.RealIP()), "this address")
}
