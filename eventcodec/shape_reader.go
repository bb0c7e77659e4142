package eventcodec

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"
	"unicode/utf8"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"assurance-ledger/domain"
)

// shapeReader reads JSON of one known shape: what json.Marshal writes for a given struct, members
// in declaration order, no white space. Each method takes one token and reports false on anything
// else, and the caller then gives the whole input to a general decoder. So a shape reader never
// decides what a document means; it only recognises the ledger's own output quickly, and wherever
// it accepts, it must give exactly what encoding/json gives (the Fuzz*MatchesEncodingJSON and
// FuzzDecodeMetadataMatchesJSON targets hold it to that).
type shapeReader struct {
	b      []byte
	intern *internTable // for sym; nil: none
	borrow bool         // plain strings share the input's memory (see borrowed)
	// scratch, when set, takes the content of a version event in place of the event's own field,
	// with its strings borrowed (see content).
	scratch *domain.Content
}

func (r *shapeReader) lit(s string) bool {
	if len(r.b) < len(s) || string(r.b[:len(s)]) != s {
		return false
	}
	r.b = r.b[len(s):]
	return true
}

// end is the closing brace of the outermost object, with nothing after it.
func (r *shapeReader) end() bool { return r.lit("}") && len(r.b) == 0 }

// quoted returns the content of a string with no escapes and valid UTF-8 (which encoding/json
// would decode to itself).
func (r *shapeReader) quoted() ([]byte, bool) {
	s, plain, ok := r.stringToken()
	if !ok || !plain {
		return nil, false
	}
	r.b = r.b[len(s)+2:]
	return s, true
}

// stringToken finds the string at the reader: its body, and whether that body is plain (no
// escapes, no control characters, valid UTF-8). It does not move the reader.
func (r *shapeReader) stringToken() (body []byte, plain, ok bool) {
	b := r.b
	if len(b) == 0 || b[0] != '"' {
		return nil, false, false
	}
	plain, ascii := true, true
	for i := 1; i < len(b); i++ {
		// Eight bytes at a time while none needs a look (most of a ledger's text): scanning for
		// the closing quote byte by byte was a tenth of a replay.
		for i+8 <= len(b) && !needsLook(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			body = b[1:i]
			return body, plain && (ascii || utf8.Valid(body)), true
		case c == '\\':
			plain = false
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			plain = false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false, false
}

// needsLook reports whether any of the eight bytes in x is a quote, a backslash, a control
// character or not ASCII. (v - 0x01...) &^ v & 0x80... is non-zero exactly when a byte of v is
// zero, and with 0x20... in place of 0x01... when a byte is below 0x20 (bytes of 0x80 and above,
// which it misses, are caught by their top bit).
func needsLook(x uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((quote-ones)&^quote|(backslash-ones)&^backslash|(x-ones*0x20)&^x|x)&tops != 0
}

// str reads a string. One with escapes (or anything encoding/json would rewrite) is decoded on its
// own by the general decoder, so that the rest of the document stays on the fast path.
func (r *shapeReader) str(dst *string) bool {
	body, plain, ok := r.stringToken()
	if !ok {
		return false
	}
	tok := r.b[:len(body)+2]
	switch {
	case plain && r.borrow:
		*dst = borrow(body)
	case plain:
		*dst = string(body)
	default:
		// Into a string of its own, not dst: a pointer given to the decoder escapes, and dst is
		// usually a field of a struct that would then be put on the heap on every call.
		var s string
		if jsonv1.Unmarshal(tok, &s) != nil {
			return false
		}
		*dst = s
	}
	r.b = r.b[len(tok):]
	return true
}

// sym reads a string that is usually one of a few values used over and over (a code, a person, a
// role, a hash many events name), returning the interned copy.
func (r *shapeReader) sym(dst *string) bool {
	body, plain, ok := r.stringToken()
	if !ok || !plain || r.borrow {
		return r.str(dst)
	}
	*dst = r.intern.string(body)
	r.b = r.b[len(body)+2:]
	return true
}

// digits is the length of the JSON number at the reader if it is an integer (no fraction, no
// exponent: encoding/json refuses those for an integer field) of at most 18 digits, so that it
// fits an int64; 0 otherwise.
func (r *shapeReader) digits() int {
	n := numberLen(r.b)
	num := r.b[:n]
	if bytes.ContainsAny(num, ".eE") || len(bytes.TrimPrefix(num, []byte("-"))) > 18 {
		return 0
	}
	return n
}

func (r *shapeReader) int64(dst *int64) bool {
	n := r.digits()
	if n == 0 {
		return false
	}
	v, err := strconv.ParseInt(string(r.b[:n]), 10, 64)
	if err != nil {
		return false
	}
	*dst, r.b = v, r.b[n:]
	return true
}

// int reads an integer that fits an int on every platform.
func (r *shapeReader) int(dst *int) bool {
	var v int64
	if !r.int64(&v) || v != int64(int32(v)) {
		return false
	}
	*dst = int(v)
	return true
}

// uint64 reads a non-negative integer of at most 19 digits that fits a uint64.
func (r *shapeReader) uint64(dst *uint64) bool {
	n := numberLen(r.b)
	num := r.b[:n]
	if n == 0 || n > 19 || bytes.ContainsAny(num, ".eE-") {
		return false
	}
	v, err := strconv.ParseUint(string(num), 10, 64)
	if err != nil {
		return false
	}
	*dst, r.b = v, r.b[n:]
	return true
}

// time reads a time.Time as its UnmarshalJSON would (null leaves it as it was).
func (r *shapeReader) time(dst *time.Time) bool {
	var tok []byte
	if bytes.HasPrefix(r.b, []byte("null")) {
		tok = r.b[:4]
	} else if body, _, ok := r.stringToken(); ok {
		tok = r.b[:len(body)+2]
	} else {
		return false
	}
	if dst.UnmarshalJSON(tok) != nil {
		return false
	}
	r.b = r.b[len(tok):]
	return true
}

// content reads a version's content: into dst, or, where the caller set scratch, into scratch with
// its strings borrowed from the input (see readVersionEvent).
func (r *shapeReader) content(dst *domain.Content) bool {
	if r.scratch == nil {
		return readContent(r, dst)
	}
	was := r.borrow
	r.borrow = true
	ok := readContent(r, r.scratch)
	r.borrow = was
	return ok
}

// float reads a JSON number as encoding/json does: strconv.ParseFloat of its text, which must be
// in range.
func (r *shapeReader) float(dst *float64) bool {
	n := numberLen(r.b)
	if n == 0 {
		return false
	}
	v, err := strconv.ParseFloat(string(r.b[:n]), 64)
	if err != nil {
		return false
	}
	*dst, r.b = v, r.b[n:]
	return true
}

// numberLen is the length of the JSON number (RFC 8259 section 6) at the start of b; 0 if there is
// none.
func numberLen(b []byte) int {
	i := 0
	digits := func() int {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch n := digits(); {
	case n == 0, n > 1 && b[i-n] == '0':
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}

func (r *shapeReader) bool(dst *bool) bool {
	switch {
	case r.lit("true"):
		*dst = true
	case r.lit("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// date reads a Date as its UnmarshalJSON would, without copying the usual plain "YYYY-MM-DD".
func (r *shapeReader) date(dst *domain.Date) bool {
	var (
		tok, body []byte
		plain, ok bool
	)
	if bytes.HasPrefix(r.b, []byte("null")) {
		tok = r.b[:4]
	} else if body, plain, ok = r.stringToken(); ok {
		tok = r.b[:len(body)+2]
	} else {
		return false
	}
	if plain && len(body) > 0 {
		// ParseDate keeps nothing of its argument, so it may borrow the bytes.
		v, err := domain.ParseDate(borrow(body))
		if err != nil {
			return false
		}
		*dst = v
	} else if dst.UnmarshalJSON(tok) != nil {
		return false
	}
	r.b = r.b[len(tok):]
	return true
}

// list reads an array whose elements each reads, into *dst's memory if it has any. An empty array
// gives an empty, non-nil slice, as encoding/json does.
func list[T any](r *shapeReader, dst *[]T, each func(*shapeReader, *T) bool) bool {
	if !r.lit("[") {
		return false
	}
	if r.lit("]") {
		if *dst = (*dst)[:0]; *dst == nil {
			*dst = []T{}
		}
		return true
	}
	out := (*dst)[:0] // a scratch list's memory is used again
	if cap(out) == 0 {
		out = make([]T, 0, 8)
	}
	var zero T
	for {
		// Read in place: a pointer to a variable of its own, given to each (a func value), would
		// put that variable on the heap for every element.
		out = append(out, zero)
		if !each(r, &out[len(out)-1]) {
			return false
		}
		if r.lit("]") {
			*dst = out
			return true
		}
		if !r.lit(",") {
			return false
		}
	}
}
