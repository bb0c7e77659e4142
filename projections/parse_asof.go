package projections

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"assurance-ledger/eventstore"
)

// AsOf is an "as of" value as a query names it: a position of the log, or a time.
type AsOf struct {
	Position eventstore.Position // when !IsTime: at least 1
	Time     time.Time           // when IsTime, in UTC
	IsTime   bool
}

// MaxAsOfPosition is the largest position "as of" names: positions are int64 in the API's contract
// (a client generated from it holds them so), and the log never reaches it.
const MaxAsOfPosition = math.MaxInt64

// ErrAsOf is what a value that is neither a position nor an RFC 3339 time is refused with.
var ErrAsOf = errors.New("as_of must be a log position (1 to 9223372036854775807) or an RFC 3339 time (2010-03-31T23:59:59Z)")

// ParseAsOf reads an "as of" value exactly as given: a position is decimal digits only (no sign,
// no white space: "+5" arrives as " 5", a query's "+" being a space) from 1 to MaxAsOfPosition; a
// time is RFC 3339, with any offset, a fraction of a second, and a leap second (23:59:60Z, which
// Go's time package does not represent: it is read as the last instant before the next minute, so
// that everything recorded during it is included).
func ParseAsOf(raw string) (AsOf, error) {
	if raw != "" && isDigits(raw) {
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || n > MaxAsOfPosition {
			return AsOf{}, fmt.Errorf("as_of position %.32s is past the largest position (%d)", raw, uint64(MaxAsOfPosition))
		}
		if n == 0 {
			return AsOf{}, errors.New("as_of position must be at least 1: positions start at 1")
		}
		return AsOf{Position: n}, nil
	}
	t, err := ParseRFC3339(raw)
	if err != nil {
		return AsOf{}, ErrAsOf
	}
	return AsOf{Time: t, IsTime: true}, nil
}

// ParseRFC3339 reads an RFC 3339 date-time, leap seconds included (see ParseAsOf), in UTC.
func ParseRFC3339(raw string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err == nil {
		return t.UTC(), nil
	}
	// A leap second: "hh:59:60" (the minute is 59 in any offset's local time).
	const sec = len("2006-01-02T15:04:")
	if len(raw) < sec+2 || raw[sec:sec+2] != "60" || raw[sec-3:sec-1] != "59" {
		return time.Time{}, err
	}
	t, err2 := time.Parse(time.RFC3339Nano, raw[:sec]+"59"+raw[sec+2:])
	if err2 != nil {
		return time.Time{}, err
	}
	return t.Truncate(time.Second).Add(time.Second - time.Nanosecond).UTC(), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
