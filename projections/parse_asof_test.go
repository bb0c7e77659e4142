package projections

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAsOf(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return v.UTC()
	}
	for _, tc := range []struct {
		raw  string
		want AsOf
	}{
		{"1", AsOf{Position: 1}},
		{"9223372036854775807", AsOf{Position: 9223372036854775807}},
		{"2010-03-31T23:59:59Z", AsOf{Time: at("2010-03-31T23:59:59Z"), IsTime: true}},
		{"2010-03-31T23:59:59.25+01:00", AsOf{Time: at("2010-03-31T22:59:59.25Z"), IsTime: true}},
		{"2016-12-31T23:59:60Z", AsOf{Time: at("2016-12-31T23:59:59.999999999Z"), IsTime: true}},
		{"2016-12-31T23:59:60.5Z", AsOf{Time: at("2016-12-31T23:59:59.999999999Z"), IsTime: true}},
		{"2016-12-31T18:59:60-05:00", AsOf{Time: at("2016-12-31T23:59:59.999999999Z"), IsTime: true}},
		{"1425-01-01T00:00:00Z", AsOf{Time: at("1425-01-01T00:00:00Z"), IsTime: true}},
	} {
		got, err := ParseAsOf(tc.raw)
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
	for _, raw := range []string{"", "0", "-1", "+5", " 5", "5 ", "9223372036854775808", "18446744073709551615", "99999999999999999999999",
		"2016-12-31T23:58:60Z", "2016-12-31T23:59:61Z", "2016-12-31T24:59:60Z", "2016-12-31 23:59:59Z", "2016-12-31", "now"} {
		_, err := ParseAsOf(raw)
		assert.Error(t, err, "%q", raw)
	}
}
