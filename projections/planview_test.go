package projections

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"assurance-ledger/domain"
)

func TestStatusCodesRoundTrip(t *testing.T) {
	for _, s := range append([]domain.Status{""}, domain.Statuses...) {
		c, ok := codeOf(s)
		assert.True(t, ok, s)
		assert.Equal(t, s, c.status())
	}
	_, ok := codeOf("approved")
	assert.False(t, ok, "an unknown status has no code")
	assert.Equal(t, domain.Status(""), statusCode(200).status())
}

func TestInstantKeepsTheTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tt := range []time.Time{
		time.Date(2009, 4, 1, 9, 30, 0, 123456789, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), // Unix 0 is a time, not "none"
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), // a nanosecond after the zero time
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2010, 3, 31, 18, 0, 0, 0, paris),
	} {
		i := instantOf(tt)
		assert.True(t, i.set, tt)
		assert.True(t, i.time().Equal(tt), "%v came back as %v", tt, i.time())
		assert.Equal(t, time.UTC, i.time().Location())
	}
	assert.False(t, instantOf(time.Time{}).set)
	assert.True(t, instant{}.time().IsZero())
}

func TestSummaryDays(t *testing.T) {
	sub := time.Date(2009, 4, 1, 12, 0, 0, 0, time.UTC)
	s := summary{submitted: instantOf(sub)}
	_, ok := s.days()
	assert.False(t, ok, "not assured yet")
	s.assured = instantOf(sub.Add(36 * time.Hour))
	d, ok := s.days()
	assert.True(t, ok)
	assert.Equal(t, 1.5, d)
}
