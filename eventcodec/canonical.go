package eventcodec

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/gowebpki/jcs"
)

// Canonical returns the RFC 8785 (JSON Canonicalization Scheme) form of v's JSON encoding: sorted
// keys, no insignificant white space, ECMAScript number formatting. Anyone holding the same JSON can
// recompute it with any JCS implementation, which is why hashes are taken over it.
func Canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return CanonicalJSON(raw)
}

// CanonicalJSON returns the RFC 8785 form of a JSON text.
//
// The output is byte for byte what github.com/gowebpki/jcs gives (the implementation hashes were
// first taken with), and it refuses exactly the inputs that refuses; FuzzCanonicalJSONMatchesJCS
// holds the two together. It exists because jcs builds a tree of strings per value and was a
// quarter of the CPU of recording an event.
func CanonicalJSON(raw []byte) ([]byte, error) {
	out, err := appendCanonical(make([]byte, 0, len(raw)), raw, "")
	if errors.Is(err, errTooDeep) {
		// Past the single pass's depth, jcs itself decides (its own limit included).
		out, err = jcs.Transform(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return out, nil
}

// SHA256Hex returns the lower-case hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Limits of the single-pass canonicaliser. Nesting deeper than fastDepth is handed to jcs, whose
// tree writes every output byte once: sorting members in place copies a subtree once per enclosing
// object, which is fine for the shallow JSON the ledger writes but quadratic for hostile nesting.
// maxDepth is jcs's own limit, kept so that both refuse the same documents.
const (
	fastDepth = 64
	maxDepth  = 10000
)

var errTooDeep = errors.New("nesting too deep for the single-pass canonicaliser")

// appendCanonical appends the canonical form of the JSON text raw to dst. With dropKey set, raw must
// be an object and its top-level member of that name (after unescaping) is left out.
func appendCanonical(dst, raw []byte, dropKey string) ([]byte, error) {
	// The member stack and scratch space are reused: growing them afresh for every text was a
	// third of canonicalising an event (ledger audit recomputes every event's hash).
	w := canonWork.Get().(*canonScratch)
	defer canonWork.Put(w)
	if w.orders == nil {
		w.orders = map[string][]uint16{}
	}
	c := canonicaliser{in: raw, out: dst, drop: dropKey, hasDrop: dropKey != "", members: w.members[:0], keys: w.keys[:0], scratch: w.scratch[:0], orders: w.orders}
	// Too deep is returned as such, not handed to jcs here: within a chain hash the data sits a
	// level deeper than on its own, so only the caller knows what the first implementation said.
	err := c.document()
	if cap(c.scratch) <= maxKeptScratch {
		w.members, w.keys, w.scratch = c.members[:0], c.keys[:0], c.scratch[:0]
	}
	if err != nil {
		return dst, err
	}
	return c.out, nil
}

// canonScratch is a canonicaliser's working space, kept between texts.
type canonScratch struct {
	members []member
	keys    []byte
	scratch []byte
	orders  map[string][]uint16
}

// The ledger writes each kind of object with its members in one order (a struct's), seldom the
// sorted one: orders remembers, for a sequence of keys already sorted once, the order its members
// take, so that an object with the same keys in the same order is rewritten without being sorted
// again (sorting was a fifth of canonicalising an event). Keys that sorted once are distinct and
// sort the same way every time, so a remembered order is the order. Bounded, so that texts with
// ever new keys cannot grow it: past the bound, objects are sorted as they come.
const (
	maxOrders       = 4096
	maxOrderMembers = 256
	maxOrderKeys    = 2048 // bytes of an object's keys, separators included
)

var canonWork = sync.Pool{New: func() any { return new(canonScratch) }}

// maxKeptScratch bounds the scratch space kept for the next text: an outsized one is let go.
const maxKeptScratch = 1 << 20

// canonicaliser parses one JSON text and writes its canonical form in the same pass. An object's
// members are written as they come, then reordered in place when they were not already sorted.
type canonicaliser struct {
	in    []byte
	i     int
	out   []byte
	depth int

	drop    string // top-level member to leave out
	hasDrop bool

	members []member // a stack: each open object owns a suffix
	keys    []byte   // unescaped keys that contained escapes
	scratch []byte
	orders  map[string][]uint16 // canonScratch.orders
}

// member is one object member written to out[start:end] ("key":value), with its unescaped key
// either in the input (keyIn) or in keys (not keyIn).
type member struct {
	start, end       int
	keyOff, keyLen   int
	keyIn, keyIsDrop bool
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func (c *canonicaliser) document() error {
	if c.in == nil {
		return errors.New("no JSON data provided")
	}
	if err := c.skipSpace(); err != nil {
		return err
	}
	if c.hasDrop && c.in[c.i] != '{' {
		return errors.New("not an object")
	}
	if err := c.value(); err != nil {
		return err
	}
	for ; c.i < len(c.in); c.i++ {
		if !isSpace(c.in[c.i]) {
			return errors.New("improperly terminated JSON")
		}
	}
	return nil
}

// skipSpace moves to the next non-space byte, which must exist and be ASCII (as jcs demands of every
// byte outside strings).
func (c *canonicaliser) skipSpace() error {
	for c.i < len(c.in) && isSpace(c.in[c.i]) {
		c.i++
	}
	if c.i == len(c.in) {
		return errors.New("unexpected end of JSON")
	}
	if c.in[c.i] > 0x7f {
		return errors.New("unexpected non-ASCII character")
	}
	return nil
}

func (c *canonicaliser) value() error {
	if err := c.skipSpace(); err != nil {
		return err
	}
	switch c.in[c.i] {
	case '{':
		return c.object()
	case '[':
		return c.array()
	case '"':
		c.i++
		_, _, _, err := c.str(false)
		return err
	default:
		return c.scalar()
	}
}

func (c *canonicaliser) enter() error {
	c.depth++
	if c.depth > fastDepth {
		return errTooDeep
	}
	return nil
}

func (c *canonicaliser) array() error {
	if err := c.enter(); err != nil {
		return err
	}
	c.i++ // '['
	c.out = append(c.out, '[')
	for n := 0; ; n++ {
		if err := c.skipSpace(); err != nil {
			return err
		}
		if c.in[c.i] == ']' {
			c.i++
			break
		}
		if n > 0 {
			if c.in[c.i] != ',' {
				return fmt.Errorf("expected ',' but got %q", c.in[c.i])
			}
			c.i++
			c.out = append(c.out, ',')
		}
		if err := c.value(); err != nil {
			return err
		}
	}
	c.out = append(c.out, ']')
	c.depth--
	return nil
}

func (c *canonicaliser) object() error {
	if err := c.enter(); err != nil {
		return err
	}
	top := c.depth == 1
	c.i++ // '{'
	c.out = append(c.out, '{')
	base, keysBase := len(c.members), len(c.keys)
	body := len(c.out)
	for n := 0; ; n++ {
		if err := c.skipSpace(); err != nil {
			return err
		}
		if c.in[c.i] == '}' {
			c.i++
			break
		}
		if n > 0 {
			if c.in[c.i] != ',' {
				return fmt.Errorf("expected ',' but got %q", c.in[c.i])
			}
			c.i++
			if err := c.skipSpace(); err != nil {
				return err
			}
			c.out = append(c.out, ',')
		}
		if c.in[c.i] != '"' {
			return fmt.Errorf("expected '\"' but got %q", c.in[c.i])
		}
		c.i++
		m := member{start: len(c.out)}
		var err error
		if m.keyOff, m.keyLen, m.keyIn, err = c.str(true); err != nil {
			return err
		}
		if err := c.skipSpace(); err != nil {
			return err
		}
		if c.in[c.i] != ':' {
			return fmt.Errorf("expected ':' but got %q", c.in[c.i])
		}
		c.i++
		c.out = append(c.out, ':')
		if err := c.value(); err != nil {
			return err
		}
		m.end = len(c.out)
		m.keyIsDrop = top && c.hasDrop && string(c.key(m)) == c.drop
		c.members = append(c.members, m)
	}
	if err := c.finishObject(base, body); err != nil {
		return err
	}
	c.out = append(c.out, '}')
	c.members, c.keys = c.members[:base], c.keys[:keysBase]
	c.depth--
	return nil
}

// finishObject checks the members written since body (comma separated, in input order) for
// duplicate keys and, unless they were already in key order with nothing to leave out, rewrites
// them sorted, without the dropped one.
func (c *canonicaliser) finishObject(base, body int) error {
	ms := c.members[base:]
	dropped := false
	for _, m := range ms {
		dropped = dropped || m.keyIsDrop
	}
	// The keys in input order, each ended by 0xff, a byte no UTF-8 text holds: the memo's key.
	seq, remember := c.scratch[:0], len(ms) > 1 && len(ms) <= maxOrderMembers
	for _, m := range ms {
		if !remember {
			break
		}
		seq = append(append(seq, c.key(m)...), 0xff)
		remember = len(seq) <= maxOrderKeys
	}
	c.scratch = seq
	if order, ok := c.orders[string(seq)]; remember && ok {
		if order == nil && !dropped {
			return nil // already sorted
		}
		return c.rewrite(ms, order, body)
	}
	sorted := true
	for k := 1; k < len(ms); k++ {
		d := compareUTF16(c.key(ms[k-1]), c.key(ms[k]))
		if d == 0 {
			return errors.New("duplicate key")
		}
		if d > 0 {
			sorted = false
		}
	}
	if sorted {
		if remember && len(c.orders) < maxOrders {
			c.orders[string(seq)] = nil
		}
		if !dropped {
			return nil
		}
		return c.rewrite(ms, nil, body)
	}
	order := make([]uint16, len(ms))
	for k := range order {
		order[k] = uint16(k)
	}
	slices.SortFunc(order, func(a, b uint16) int { return compareUTF16(c.key(ms[a]), c.key(ms[b])) })
	for k := 1; k < len(order); k++ {
		if compareUTF16(c.key(ms[order[k-1]]), c.key(ms[order[k]])) == 0 {
			return errors.New("duplicate key")
		}
	}
	if remember && len(c.orders) < maxOrders {
		c.orders[string(seq)] = order
	}
	return c.rewrite(ms, order, body)
}

// rewrite writes the members ms (in input order from body) again in order (input indexes; nil:
// as they are), without the dropped one.
func (c *canonicaliser) rewrite(ms []member, order []uint16, body int) error {
	c.scratch = c.scratch[:0]
	for k := range ms {
		m := ms[k]
		if order != nil {
			m = ms[order[k]]
		}
		if m.keyIsDrop {
			continue
		}
		if len(c.scratch) > 0 {
			c.scratch = append(c.scratch, ',')
		}
		c.scratch = append(c.scratch, c.out[m.start:m.end]...)
	}
	c.out = append(c.out[:body], c.scratch...)
	return nil
}

func (c *canonicaliser) key(m member) []byte {
	if m.keyIn {
		return c.in[m.keyOff : m.keyOff+m.keyLen]
	}
	return c.keys[m.keyOff : m.keyOff+m.keyLen]
}

// str reads a string whose opening quote has been consumed and writes its canonical form. For a key
// it also returns where the unescaped text is: in the input when it had no escape, else in c.keys.
func (c *canonicaliser) str(isKey bool) (off, n int, inInput bool, err error) {
	c.out = append(c.out, '"')
	// Fast path: printable ASCII and valid UTF-8 up to the closing quote are copied as they are.
	// In locals, not c's fields: the loop is most of canonicalising a text.
	in, i := c.in, c.i
	start := i
	for i < len(in) {
		// Eight bytes at a time while none is a quote, a backslash, a control or a non-ASCII byte.
		for i+8 <= len(in) && !needsLook(binary.LittleEndian.Uint64(in[i:])) {
			i += 8
		}
		if i >= len(in) {
			break
		}
		b := in[i]
		if b == '"' {
			c.out = append(append(c.out, in[start:i]...), '"')
			c.i = i + 1
			return start, i - start, true, nil
		}
		if b == '\\' || b < 0x20 {
			break
		}
		if b < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRune(in[i:])
		if r == utf8.RuneError && size <= 1 {
			c.i = i
			return 0, 0, false, fmt.Errorf("invalid UTF-8 byte 0x%02x", b)
		}
		i += size
	}
	c.i = i
	// Slow path: unescape into buf (c.keys for a key, so that it can be compared later), then
	// write its canonical escaping.
	var buf []byte
	if isKey {
		off = len(c.keys)
		buf = c.keys
	} else {
		buf = c.scratch[:0]
	}
	buf = append(buf, c.in[start:c.i]...)
	for {
		if c.i >= len(c.in) {
			return 0, 0, false, errors.New("unexpected end of JSON in a string")
		}
		b := c.in[c.i]
		c.i++
		switch {
		case b == '"':
			var text []byte
			if isKey {
				c.keys = buf
				text = buf[off:]
			} else {
				c.scratch = buf
				text = buf
			}
			c.out = appendQuotedBody(c.out, text)
			c.out = append(c.out, '"')
			return off, len(text), false, nil
		case b < 0x20:
			return 0, 0, false, errors.New("control character in a string")
		case b == '\\':
			if c.i >= len(c.in) {
				return 0, 0, false, errors.New("unexpected end of JSON in a string")
			}
			e := c.in[c.i]
			c.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := c.hex4()
				if err != nil {
					return 0, 0, false, err
				}
				if utf16.IsSurrogate(r) {
					if r > 0xDBFF {
						return 0, 0, false, fmt.Errorf("invalid high surrogate \\u%04x", r)
					}
					if c.i+2 > len(c.in) || c.in[c.i] != '\\' || c.in[c.i+1] != 'u' {
						return 0, 0, false, errors.New("missing low surrogate")
					}
					c.i += 2
					lo, err := c.hex4()
					if err != nil {
						return 0, 0, false, err
					}
					if lo < 0xDC00 || lo > 0xDFFF {
						return 0, 0, false, fmt.Errorf("invalid low surrogate \\u%04x", lo)
					}
					r = utf16.DecodeRune(r, lo)
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return 0, 0, false, fmt.Errorf("unexpected escape \\%c", e)
			}
		case b < 0x80:
			buf = append(buf, b)
		default:
			r, size := utf8.DecodeRune(c.in[c.i-1:])
			if r == utf8.RuneError && size <= 1 {
				return 0, 0, false, fmt.Errorf("invalid UTF-8 byte 0x%02x", b)
			}
			buf = append(buf, c.in[c.i-1:c.i-1+size]...)
			c.i += size - 1
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func (c *canonicaliser) hex4() (rune, error) {
	if c.i+4 > len(c.in) {
		return 0, errors.New("unexpected end of JSON in a \\u escape")
	}
	var r rune
	for _, b := range c.in[c.i : c.i+4] {
		switch {
		case b >= '0' && b <= '9':
			r = r<<4 | rune(b-'0')
		case b >= 'a' && b <= 'f':
			r = r<<4 | rune(b-'a'+10)
		case b >= 'A' && b <= 'F':
			r = r<<4 | rune(b-'A'+10)
		default:
			return 0, errors.New("invalid \\u escape")
		}
	}
	c.i += 4
	return r, nil
}

// appendQuotedBody writes unescaped text as RFC 8785 string content: only the quote, the backslash
// and control characters are escaped, the latter with the short forms where JSON has them.
func appendQuotedBody[T string | []byte](dst []byte, text T) []byte {
	const hexDigits = "0123456789abcdef"
	for i := range len(text) {
		b := text[i]
		switch {
		case b == '"' || b == '\\':
			dst = append(dst, '\\', b)
		case b >= 0x20:
			dst = append(dst, b)
		case b == '\b':
			dst = append(dst, '\\', 'b')
		case b == '\f':
			dst = append(dst, '\\', 'f')
		case b == '\n':
			dst = append(dst, '\\', 'n')
		case b == '\r':
			dst = append(dst, '\\', 'r')
		case b == '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
	}
	return dst
}

// appendQuoted writes s as a canonical JSON string; false (and dst as it was) if s is not valid
// UTF-8. It is appendQuotedBody after utf8.ValidString, copying each run of bytes needing no escape
// at once, found eight bytes at a time (a string of such bytes alone, most are, in one pass):
// hashing a version writes some forty strings, and checking then appending them a byte at a time
// was a tenth of a replay's decoding. FuzzAppendQuotedIsByBytes holds it to the two.
func appendQuoted(dst []byte, s string) ([]byte, bool) {
	// Refused before anything is written, even beyond len(dst): a caller's spare capacity is left
	// as it was. Past the first run, which is ASCII, the rest is checked once.
	n := plainRun(s)
	if n < len(s) && !utf8.ValidString(s[n:]) {
		return dst, false
	}
	out := append(append(dst, '"'), s[:n]...)
	s = s[n:]
	for len(s) > 0 {
		n := plainRun(s)
		out = append(out, s[:n]...)
		if s = s[n:]; len(s) == 0 {
			break
		}
		if s[0] < utf8.RuneSelf {
			out = appendQuotedBody(out, s[:1])
			s = s[1:]
			continue
		}
		_, size := utf8.DecodeRuneInString(s) // valid: checked above
		out = append(out, s[:size]...)
		s = s[size:]
	}
	return append(out, '"'), true
}

// plainRun is how many bytes s starts with that a JSON string holds as they are: neither a quote,
// a backslash, a control character nor the start of a multi-byte character.
func plainRun(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if needsLook(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))) {
			break
		}
	}
	for ; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == '"' || b == '\\' || b >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// scalar reads a literal or a number: everything up to the next ',', ']', '}', white space or the
// end, as jcs delimits them, so that malformed tokens are refused alike.
func (c *canonicaliser) scalar() error {
	start := c.i
	for c.i < len(c.in) {
		b := c.in[c.i]
		if b == ',' || b == ']' || b == '}' || isSpace(b) {
			break
		}
		if b > 0x7f {
			return errors.New("unexpected non-ASCII character")
		}
		c.i++
	}
	tok := c.in[start:c.i]
	switch string(tok) {
	case "":
		return errors.New("missing value")
	case "true", "false", "null":
		c.out = append(c.out, tok...)
		return nil
	}
	intLen, ok := numberShape(tok)
	if !ok {
		return fmt.Errorf("invalid literal or number %q", truncate(tok))
	}
	// A plain integer of at most 15 digits is exact in a double and ECMAScript prints it as written
	// (but "-0" as "0").
	if intLen == len(tok) && len(tok) <= 15 {
		if string(tok) == "-0" {
			tok = tok[1:]
		}
		c.out = append(c.out, tok...)
		return nil
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return fmt.Errorf("number out of range %q", truncate(tok))
	}
	s, err := jcs.NumberToJSON(f)
	if err != nil {
		return err
	}
	c.out = append(c.out, s...)
	return nil
}

// numberShape reports whether tok is an RFC 8259 number, and the length of its sign and integer part.
func numberShape(tok []byte) (intLen int, ok bool) {
	i := 0
	if i < len(tok) && tok[i] == '-' {
		i++
	}
	switch {
	case i < len(tok) && tok[i] == '0':
		i++
	case i < len(tok) && tok[i] >= '1' && tok[i] <= '9':
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	intLen = i
	if i < len(tok) && tok[i] == '.' {
		i++
		d := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(tok) && (tok[i] == 'e' || tok[i] == 'E') {
		i++
		if i < len(tok) && (tok[i] == '+' || tok[i] == '-') {
			i++
		}
		d := i
		for i < len(tok) && tok[i] >= '0' && tok[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	return intLen, i == len(tok)
}

func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

// compareUTF16 orders two UTF-8 strings by their UTF-16 code units, as RFC 8785 sorts keys. Byte
// order is code point order, which differs from UTF-16 order only between a supplementary character
// (a surrogate pair, 0xD800-0xDBFF first) and one in U+E000-U+FFFF.
func compareUTF16(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		if a[0] < 0x80 && b[0] < 0x80 {
			if a[0] != b[0] {
				return int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if ra != rb {
			return int(utf16Unit(ra)) - int(utf16Unit(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Unit is the first UTF-16 code unit of r, extended so that runes with the same first unit
// still compare by their second.
func utf16Unit(r rune) int32 {
	if r < 0x10000 {
		return r << 10
	}
	hi, lo := utf16.EncodeRune(r)
	return hi<<10 | (lo - 0xDC00)
}
