package domain

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a civil (calendar) date with no time of day and no zone: plan target dates are days in the
// NHS calendar, and carrying them as instants would let a time zone move them across a year end.
//
// In JSON a Date is "YYYY-MM-DD" exactly. The zero Date means "not given": it marshals as null and is
// read back from null or from "" (so that a missing date reaches validation as a field error with a
// path, instead of failing the whole request body). Dates are comparable with ==.
type Date struct {
	year  int
	month time.Month
	day   int
}

// NewDate returns the date year-month-day, refusing days that do not exist.
func NewDate(year int, month time.Month, day int) (Date, error) {
	if year < 1 || year > 9999 {
		return Date{}, fmt.Errorf("date: year %d out of range 1..9999", year)
	}
	if month < time.January || month > time.December || day < 1 || day > daysIn(year, month) {
		return Date{}, fmt.Errorf("date: %04d-%02d-%02d does not exist", year, int(month), day)
	}
	return Date{year, month, day}, nil
}

// daysIn is the number of days of month in year, in the proleptic Gregorian calendar that time.Date
// uses. (time.Date and reading its fields back, which this replaces, was most of reading a version's
// dozen dates on replay.)
func daysIn(year int, month time.Month) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// ParseDate reads a date in the form YYYY-MM-DD, and nothing else: no time, no zone, no short fields.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("date: %q is not of the form YYYY-MM-DD", s)
	}
	var n [3]int
	for i, part := range [3]string{s[0:4], s[5:7], s[8:10]} {
		for _, c := range []byte(part) {
			if c < '0' || c > '9' {
				return Date{}, fmt.Errorf("date: %q is not of the form YYYY-MM-DD", s)
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	return NewDate(n[0], time.Month(n[1]), n[2])
}

// DateOf is the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) Year() int          { return d.year }
func (d Date) Month() time.Month  { return d.month }
func (d Date) Day() int           { return d.day }
func (d Date) IsZero() bool       { return d == Date{} }
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }
func (d Date) After(o Date) bool  { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, the same as, or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.year != o.year:
		return cmp.Compare(d.year, o.year)
	case d.month != o.month:
		return cmp.Compare(int(d.month), int(o.month))
	}
	return cmp.Compare(d.day, o.day)
}

// Time is the start of the day d in UTC.
func (d Date) Time() time.Time { return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC) }

// FinancialYear is the NHS financial year d falls in, named by its first calendar year: 1 April 2009
// to 31 March 2010 is 2009.
func (d Date) FinancialYear() int {
	if d.month < time.April {
		return d.year - 1
	}
	return d.year
}

// In reports whether d lies inside the period, both ends included.
func (d Date) In(p Period) bool { return !d.IsZero() && !d.Before(p.Start()) && !d.After(p.End()) }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.year, int(d.month), d.day)
}

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// plainString is the string a JSON string literal b holds when it is printable ASCII without
// escapes, as every date is: what json.Unmarshal would give, without a nested decode (dates were a
// fifth of the cost of decoding a plan's content). ok is false for anything else, which the caller
// leaves to json.Unmarshal.
func plainString(b []byte) (string, bool) {
	body, ok := plainBody(b)
	return string(body), ok
}

// plainBody is plainString's bytes, not copied.
func plainBody(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	body := b[1 : len(b)-1]
	for _, c := range body {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return body, true
}

// jsonKindOf names the kind of JSON value b holds, as a client would: a transport reports it
// against the member it came in.
func jsonKindOf(b []byte) string {
	switch b = bytes.TrimSpace(b); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case b[0] == 't' || b[0] == 'f':
		return "true or false"
	case b[0] == '"':
		return "a string"
	}
	return "a number"
}

func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*d = Date{}
		return nil
	}
	s, ok := plainString(b)
	if !ok {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("date: want a string YYYY-MM-DD, not %s", jsonKindOf(b))
		}
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
