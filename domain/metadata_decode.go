package domain

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeMetadata decodes stored metadata into m. Metadata is about 40% of decoding an event on
// replay, and every event the ledger writes has it in one shape (json.Marshal of Metadata, fields in
// order, hash last); readMetadata reads that shape without reflection. Anything else (escapes,
// another order, unknown or missing members, white space) goes to encoding/json, so the result is
// always what json.Unmarshal gives; FuzzDecodeMetadataMatchesJSON holds the two together.
func decodeMetadata(raw []byte, m *Metadata) error {
	var fast Metadata
	if readMetadata(raw, &fast) {
		*m = fast
		return nil
	}
	return json.Unmarshal(raw, m)
}

// readMetadata reads the shape json.Marshal(Metadata) writes; false if raw is anything else.
func readMetadata(raw []byte, m *Metadata) bool {
	r := metaReader{b: raw}
	ok := r.lit(`{"event_id":`) && r.str(&m.EventID) &&
		r.lit(`,"command_id":`) && r.str(&m.CommandID) &&
		r.lit(`,"actor":{"person_id":`) && r.str(&m.Actor.PersonID) &&
		r.lit(`,"name":`) && r.str(&m.Actor.Name) &&
		r.lit(`,"role":`) && r.role(&m.Actor.Role) &&
		r.lit(`,"org":`) && r.str(&m.Actor.Org) &&
		r.lit(`},"recorded_at":`) && r.time(m) &&
		r.lit(`,"correlation_id":`) && r.str(&m.CorrelationID) &&
		r.lit(`,"schema_version":`) && r.int(&m.SchemaVersion) &&
		r.lit(`,"prev_hash":`) && r.str(&m.PrevHash)
	if !ok {
		return false
	}
	if r.lit(`,"hash":`) && !r.str(&m.Hash) {
		return false
	}
	return r.lit("}") && len(r.b) == 0
}

type metaReader struct{ b []byte }

func (r *metaReader) lit(s string) bool {
	if !bytes.HasPrefix(r.b, []byte(s)) {
		return false
	}
	r.b = r.b[len(s):]
	return true
}

// quoted returns the content of a string with no escapes and valid UTF-8 (which encoding/json
// would decode to itself).
func (r *metaReader) quoted() ([]byte, bool) {
	if len(r.b) == 0 || r.b[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(r.b[1:], '"')
	if end < 0 {
		return nil, false
	}
	s := r.b[1 : 1+end]
	for _, c := range s {
		if c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	if !utf8.Valid(s) {
		return nil, false
	}
	r.b = r.b[2+end:]
	return s, true
}

func (r *metaReader) str(dst *string) bool {
	s, ok := r.quoted()
	if ok {
		*dst = string(s)
	}
	return ok
}

func (r *metaReader) role(dst *Role) bool {
	var s string
	ok := r.str(&s)
	*dst = Role(s)
	return ok
}

func (r *metaReader) time(m *Metadata) bool {
	start := r.b
	if _, ok := r.quoted(); !ok {
		return false
	}
	return m.RecordedAt.UnmarshalJSON(start[:len(start)-len(r.b)]) == nil
}

// int reads a plain decimal integer that fits an int on every platform.
func (r *metaReader) int(dst *int) bool {
	n := 0
	for n < len(r.b) && n < 9 && r.b[n] >= '0' && r.b[n] <= '9' {
		n++
	}
	if n == 0 || (n > 1 && r.b[0] == '0') || (n < len(r.b) && r.b[n] >= '0' && r.b[n] <= '9') {
		return false
	}
	v, err := strconv.Atoi(string(r.b[:n]))
	if err != nil {
		return false
	}
	*dst, r.b = v, r.b[n:]
	return true
}
