package api

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimiterRefillsAndSaysWhenToRetry(t *testing.T) {
	now := time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 3, func() time.Time { return now }) // two a second, bursts of three
	for _, step := range []struct {
		advance    time.Duration
		key        string
		ok         bool
		retryAfter int // seconds, when refused
	}{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 1},                     // empty: the next token is 0.5 s away, rounded up
		{0, "b", true, 0},                      // another key has its own bucket
		{500 * time.Millisecond, "a", true, 0}, // one token back
		{0, "a", false, 1},                     // and spent; a refusal spends nothing ...
		{500 * time.Millisecond, "a", true, 0}, // ... so the next token is there on time
		{10 * time.Second, "a", true, 0},       // refilled, but only up to the burst
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 1},
	} {
		now = now.Add(step.advance)
		err := l.check(step.key, "someone")
		if step.ok {
			require.NoError(t, err, "at %s", now.Format(time.StampMilli))
			continue
		}
		var p *Problem
		require.True(t, errors.As(err, &p), "at %s: %v", now.Format(time.StampMilli), err)
		assert.Equal(t, 429, p.Status)
		assert.Equal(t, "rate_limited", p.Code)
		assert.Equal(t, step.retryAfter, p.retryAfter)
	}

	slow := newLimiter(0.01, 1, func() time.Time { return now })
	require.NoError(t, slow.check("c", "someone"))
	var p *Problem
	require.ErrorAs(t, slow.check("c", "someone"), &p)
	assert.Equal(t, 100, p.retryAfter, "one token every 100 s")

	assert.Nil(t, newLimiter(0, 10, nil), "no rate: no limiter")
	assert.NoError(t, (*limiter)(nil).check("a", "someone"), "and a nil limiter lets everything through")
	assert.Equal(t, 5, newLimiter(4.5, 0, nil).burst, "burst defaults to the rate, rounded up")
}
