package esdbstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		attempt      int
		first, limit time.Duration
		want         time.Duration
	}{
		{0, 100 * ms, 10 * time.Second, 100 * ms},
		{1, 100 * ms, 10 * time.Second, 200 * ms},
		{2, 100 * ms, 10 * time.Second, 400 * ms},
		{6, 100 * ms, 10 * time.Second, 6400 * ms},
		{7, 100 * ms, 10 * time.Second, 10 * time.Second},
		{1000, 100 * ms, 10 * time.Second, 10 * time.Second}, // no overflow however long the outage
		{3, 1 * ms, 5 * ms, 5 * ms},
		{0, 2 * time.Second, time.Second, time.Second}, // the limit wins
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, backoff(tc.attempt, tc.first, tc.limit), "attempt %d of %v..%v", tc.attempt, tc.first, tc.limit)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	assert.NotNil(t, o.Logger)
	assert.Equal(t, DefaultRetries, o.Retries)
	assert.Equal(t, DefaultIdempotencyWindow, o.IdempotencyWindow)
	assert.Equal(t, DefaultMinBackoff, o.MinBackoff)
	assert.Equal(t, DefaultMaxBackoff, o.MaxBackoff)

	o = Options{Retries: -1, IdempotencyWindow: 5, MinBackoff: time.Minute, MaxBackoff: time.Second}.withDefaults()
	assert.Zero(t, o.Retries, "negative: no retries")
	assert.Equal(t, 5, o.IdempotencyWindow)
	assert.Equal(t, time.Minute, o.MaxBackoff, "the ceiling is never below the floor")
}
