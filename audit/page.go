package audit

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"sync"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"assurance-ledger/api"
	"assurance-ledger/internal/b64"
)

// decodePage decodes a page of the feed's stored view. The server writes it in one layout (api's
// storedEvents), which is read here directly, base64 and all, into one buffer for the page: a
// mirror decodes the whole log, and a general JSON decoder spent more on it than checking the
// events did. Anything else (another server's spacing, an escaped string) goes to the JSON
// decoder, which reads every valid layout the same way.
//
// The page's data and metadata are decoded into buf (grown if need be), which they then lend from:
// the caller gives buf back (pageBuffers) once it no longer needs them.
func decodePage(body []byte, buf *[]byte) (api.StoredEventsPage, error) {
	if n := base64.StdEncoding.DecodedLen(len(body)); cap(*buf) < n {
		*buf = make([]byte, n)
	}
	if p, ok := fastPage(body, (*buf)[:cap(*buf)]); ok {
		return p, nil
	}
	var p api.StoredEventsPage
	err := jsonv1.Unmarshal(body, &p)
	return p, err
}

// pageBuffers are the buffers pages are decoded into.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

type cursor struct {
	b  []byte
	ok bool
}

func (c *cursor) lit(s string) {
	if c.ok && bytes.HasPrefix(c.b, []byte(s)) {
		c.b = c.b[len(s):]
		return
	}
	c.ok = false
}

func (c *cursor) uint() uint64 {
	if !c.ok {
		return 0
	}
	i := 0
	for i < len(c.b) && c.b[i] >= '0' && c.b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseUint(string(c.b[:i]), 10, 64)
	if err != nil || (i > 1 && c.b[0] == '0') {
		c.ok = false
		return 0
	}
	c.b = c.b[i:]
	return n
}

// str reads a JSON string with nothing to unescape.
func (c *cursor) str() string {
	if !c.ok || len(c.b) == 0 || c.b[0] != '"' {
		c.ok = false
		return ""
	}
	for i := 1; i < len(c.b); i++ {
		switch ch := c.b[i]; {
		case ch == '"':
			s := string(c.b[1:i])
			c.b = c.b[i+1:]
			return s
		case ch == '\\' || ch < 0x20:
			c.ok = false
			return ""
		}
	}
	c.ok = false
	return ""
}

// quoted reads any JSON string, escapes and all.
func (c *cursor) quoted() string {
	if !c.ok || len(c.b) == 0 || c.b[0] != '"' {
		c.ok = false
		return ""
	}
	for i := 1; i < len(c.b); i++ {
		switch c.b[i] {
		case '\\':
			i++
		case '"':
			var s string
			if jsonv1.Unmarshal(c.b[:i+1], &s) != nil {
				c.ok = false
				return ""
			}
			c.b = c.b[i+1:]
			return s
		}
	}
	c.ok = false
	return ""
}

// b64 reads a base64 string into buf, returning the bytes and the rest of buf.
func (c *cursor) b64(buf []byte) (out, rest []byte) {
	if !c.ok || len(c.b) == 0 || c.b[0] != '"' {
		c.ok = false
		return nil, buf
	}
	end := bytes.IndexByte(c.b[1:], '"')
	if end < 0 {
		c.ok = false
		return nil, buf
	}
	enc := c.b[1 : 1+end]
	n, err := b64.Decode(buf, enc)
	if err != nil {
		c.ok = false
		return nil, buf
	}
	c.b = c.b[end+2:]
	return buf[:n:n], buf[n:]
}

func fastPage(body, buf []byte) (p api.StoredEventsPage, ok bool) {
	c := &cursor{b: body, ok: true}
	c.lit(`{"format":`)
	p.Format = c.str()
	c.lit(`,"events":[`)
	p.Events = make([]api.StoredEvent, 0, bytes.Count(body, []byte(`{"position":`)))
	for c.ok && len(c.b) > 0 && c.b[0] != ']' {
		if len(p.Events) > 0 {
			c.lit(",")
		}
		var e api.StoredEvent
		c.lit(`{"position":`)
		e.Position = c.uint()
		c.lit(`,"stream":`)
		e.Stream = c.str()
		c.lit(`,"revision":`)
		e.Revision = c.uint()
		c.lit(`,"type":`)
		e.Type = c.str()
		c.lit(`,"event_id":`)
		e.EventID = c.str()
		c.lit(`,"data_b64":`)
		e.Data, buf = c.b64(buf)
		c.lit(`,"metadata_b64":`)
		e.Metadata, buf = c.b64(buf)
		c.lit(`}`)
		p.Events = append(p.Events, e)
	}
	c.lit(`],"head_position":`)
	p.HeadPosition = c.uint()
	c.lit(`,"next_from_position":`)
	if c.ok && bytes.HasPrefix(c.b, []byte("null")) {
		c.lit(`null,"next":null`)
	} else {
		n := c.uint()
		p.NextFromPosition = &n
		c.lit(`,"next":`)
		next := c.quoted()
		p.Next = &next
	}
	c.lit("}")
	return p, c.ok && len(bytes.TrimSpace(c.b)) == 0
}
