package eventcodec

import (
	"math"
	"strconv"
	"time"

	"github.com/gowebpki/jcs"

	"assurance-ledger/domain"
)

// canonWriter writes RFC 8785 canonical JSON straight from Go values: the generated canon<T>
// functions (zz_generated.go) call it member by member, in sorted order. Writing the canonical form
// from the struct, rather than marshalling and then canonicalising the JSON, is what makes sealing
// an event and hashing a version's content cheap. ok turns false at the first value it cannot
// write as the canonicaliser would read it from the JSON (text that is not valid UTF-8, which
// encoding/json would repair; a number or time JSON cannot hold); the caller then canonicalises the
// JSON itself.
type canonWriter struct {
	b  []byte
	ok bool
}

func (w *canonWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *canonWriter) str(s string) {
	var ok bool
	if w.b, ok = appendQuoted(w.b, s); !ok {
		w.ok = false
	}
}

// date is Date's JSON, null or "YYYY-MM-DD", neither of which needs escaping.
func (w *canonWriter) date(d domain.Date) {
	var ok bool
	if w.b, ok = appendDate(w.b, d); !ok {
		w.ok = false
	}
}

// time is time.Time's JSON (RFC 3339 with nanoseconds) for UTC times in years 0-9999, which needs
// no escaping; other times are left to the canonicaliser.
func (w *canonWriter) time(t time.Time) {
	var ok bool
	if w.b, ok = appendTime(w.b, t); !ok {
		w.ok = false
	}
}

// integer prints v as an IEEE double would be: exactly below 10^15, else through the same
// conversion the JSON route takes (decimal digits parsed to the nearest double).
func (w *canonWriter) integer(v int64) {
	if v > -1e15 && v < 1e15 {
		w.b = strconv.AppendInt(w.b, v, 10)
		return
	}
	f, err := strconv.ParseFloat(strconv.FormatInt(v, 10), 64)
	if err != nil {
		w.ok = false
		return
	}
	w.float(f)
}

func (w *canonWriter) uinteger(v uint64) {
	if v > math.MaxInt64 {
		f, err := strconv.ParseFloat(strconv.FormatUint(v, 10), 64)
		if err != nil {
			w.ok = false
			return
		}
		w.float(f)
		return
	}
	w.integer(int64(v))
}

func (w *canonWriter) float(f float64) {
	s, err := jcs.NumberToJSON(f)
	if err != nil {
		w.ok = false
		return
	}
	w.b = append(w.b, s...)
}

func (w *canonWriter) boolean(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

// appendDate appends Date.MarshalJSON's text for d; false for a date outside years 0-9999, which
// no valid Date is.
func appendDate(b []byte, d domain.Date) ([]byte, bool) {
	if d.IsZero() {
		return append(b, "null"...), true
	}
	y, m, day := d.Year(), int(d.Month()), d.Day()
	if y < 0 || y > 9999 || m < 1 || m > 12 || day < 1 || day > 99 {
		return b, false
	}
	return append(b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10), '"'), true
}

// appendTime appends time.Time.MarshalJSON's text for a UTC time in years 0-9999; false for any
// other, which MarshalJSON may refuse or write with a zone.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 || t.Location() != time.UTC {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}
