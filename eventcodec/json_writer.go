package eventcodec

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"assurance-ledger/domain"
)

// jsonWriter writes what encoding/json writes for a value, straight from it: the generated json<T>
// functions (zz_generated.go) call it member by member. ok turns false at the first value it
// declines (a float that is not finite, a time outside years 0-9999 or not in UTC, a date outside
// years 0-9999); the caller then takes encoding/json's path, which writes it or says why not.
type jsonWriter struct {
	b  []byte
	ok bool
}

func (w *jsonWriter) raw(s string)  { w.b = append(w.b, s...) }
func (w *jsonWriter) int(v int64)   { w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jsonWriter) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }
func (w *jsonWriter) bool(v bool)   { w.b = strconv.AppendBool(w.b, v) }
func (w *jsonWriter) str(s string)  { w.b = AppendJSONString(w.b, s) }

func (w *jsonWriter) date(d domain.Date) {
	var ok bool
	if w.b, ok = appendDate(w.b, d); !ok {
		w.ok = false
	}
}

func (w *jsonWriter) time(t time.Time) {
	var ok bool
	if w.b, ok = appendTime(w.b, t); !ok {
		w.ok = false
	}
}

// float is encoding/json's float64: the shortest text that reads back as f, in exponent form
// only below 1e-6 or from 1e21, with a one-digit negative exponent not zero-padded.
func (w *jsonWriter) float(f float64) {
	var ok bool
	if w.b, ok = AppendJSONFloat(w.b, f); !ok {
		w.ok = false
	}
}

// AppendJSONFloat appends f as encoding/json writes a float64; false (and b as it was) for a value
// that is not finite, which encoding/json refuses.
func AppendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// AppendJSONTime appends t as time.Time's MarshalJSON writes it, for UTC times in years 0-9999;
// false (and b as it was) for any other.
func AppendJSONTime(b []byte, t time.Time) ([]byte, bool) { return appendTime(b, t) }

// AppendJSONDate appends d as Date's MarshalJSON writes it; false for a date outside years 0-9999.
func AppendJSONDate(b []byte, d domain.Date) ([]byte, bool) { return appendDate(b, d) }

// AppendContentJSON appends the JSON of a version's content as the ledger stores it (absent lists
// as []); false where encoding/json would have to decide (see jsonWriter).
func AppendContentJSON(b []byte, c *domain.Content) ([]byte, bool) {
	w := jsonWriter{b: b, ok: true}
	jsonContent(&w, c)
	return w.b, w.ok
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s quoted as encoding/json quotes it by default: <, > and & escaped for
// HTML, U+2028 and U+2029 escaped for JavaScript, invalid UTF-8 replaced by U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
