package eventcodec

import (
	"encoding/json"
	"time"

	"assurance-ledger/domain"
)

// decodeMetadata decodes stored metadata into m. Metadata is about 40% of decoding an event on
// replay, and every event the ledger writes has it in one shape (json.Marshal of Metadata, fields in
// order, hash last); readMetadata reads that shape without reflection, a string with escapes
// being decoded on its own with encoding/json's semantics (the JSON v2 engine's v1 mode). Anything
// else (another order, unknown or missing members, white space) goes to encoding/json, so the
// result is always what json.Unmarshal gives; FuzzDecodeMetadataMatchesJSON holds the two together.
func decodeMetadata(raw []byte, m *domain.Metadata) error {
	var fast domain.Metadata
	t := internTables.Get().(*internTable)
	ok := readMetadata(t, raw, &fast)
	internTables.Put(t)
	if ok {
		*m = fast
		return nil
	}
	return unmarshalMetadata(raw, m)
}

// DecodeMetadata decodes stored metadata as json.Unmarshal does, taking the fast path for the one
// shape the ledger writes: for a reader that checks every event's chain members without decoding
// its data (ledger audit's mirror).
func DecodeMetadata(raw []byte) (domain.Metadata, error) {
	var m domain.Metadata
	err := decodeMetadata(raw, &m)
	return m, err
}

// unmarshalMetadata is json.Unmarshal(raw, m), through a variable of its own: a pointer given to
// json.Unmarshal escapes, and m would then be put on the heap by every caller, on every call.
func unmarshalMetadata(raw []byte, m *domain.Metadata) error {
	var slow domain.Metadata
	err := json.Unmarshal(raw, &slow)
	*m = slow
	return err
}

// readMetadata reads the shape json.Marshal(Metadata) writes, interning recurring values in t;
// false if raw is anything else.
func readMetadata(t *internTable, raw []byte, m *domain.Metadata) bool {
	r := shapeReader{b: raw, intern: t}
	return r.metadata(m, false)
}

// decodeMetadataForFold is decodeMetadata with the command and correlation ids and the chain
// hashes left empty (DecodeEnvelopeFold). In the usual shape they are skipped, not copied; a skipped
// string must be plain (no escapes), so that nothing json.Unmarshal refuses is accepted.
func decodeMetadataForFold(raw []byte, m *domain.Metadata) error {
	var fast domain.Metadata
	t := internTables.Get().(*internTable)
	r := shapeReader{b: raw, intern: t}
	ok := r.metadata(&fast, true)
	internTables.Put(t)
	if ok {
		*m = fast
		return nil
	}
	if err := unmarshalMetadata(raw, m); err != nil {
		return err
	}
	m.CommandID, m.CorrelationID, m.PrevHash, m.Hash = "", "", "", ""
	return nil
}

// schemaVersionOf is the schema version raw records: what upcasting an event's data needs of its
// metadata. Its strings are read borrowed, as nothing of them is kept.
func schemaVersionOf(raw []byte) (int, error) {
	var m domain.Metadata
	t := internTables.Get().(*internTable)
	r := shapeReader{b: raw, intern: t, borrow: true}
	ok := r.metadata(&m, false)
	internTables.Put(t)
	if ok {
		return m.SchemaVersion, nil
	}
	if err := decodeMetadata(raw, &m); err != nil {
		return 0, err
	}
	return m.SchemaVersion, nil
}

// metadata reads the shape json.Marshal(Metadata) writes. forFold skips the command and correlation
// ids and the chain hashes (decodeMetadataForFold), leaving them empty.
func (r *shapeReader) metadata(m *domain.Metadata, forFold bool) bool {
	// Branches rather than a func value chosen once: through a func value, m would escape to the
	// heap on every call.
	text := func(dst *string) bool {
		if forFold {
			return r.skip()
		}
		return r.str(dst)
	}
	ok := r.lit(`{"event_id":`) && r.str(&m.EventID) &&
		r.lit(`,"command_id":`) && text(&m.CommandID) &&
		r.lit(`,"actor":{"person_id":`) && r.sym(&m.Actor.PersonID) &&
		r.lit(`,"name":`) && r.sym(&m.Actor.Name) &&
		r.lit(`,"role":`) && r.role(&m.Actor.Role) &&
		r.lit(`,"org":`) && r.sym(&m.Actor.Org) &&
		r.lit(`},"recorded_at":`) && r.stamp(m) &&
		r.lit(`,"correlation_id":`) && (forFold && r.skip() || !forFold && r.same(&m.CorrelationID, m.CommandID)) &&
		r.lit(`,"schema_version":`) && r.int(&m.SchemaVersion) &&
		r.lit(`,"prev_hash":`) && text(&m.PrevHash)
	if !ok {
		return false
	}
	if r.lit(`,"hash":`) && !text(&m.Hash) {
		return false
	}
	return r.lit("}") && len(r.b) == 0
}

// skip passes over a plain string (no escapes, valid UTF-8: valid JSON whatever it holds).
func (r *shapeReader) skip() bool {
	_, ok := r.quoted()
	return ok
}

func (r *shapeReader) role(dst *domain.Role) bool { return r.sym((*string)(dst)) }

// same reads a string that is often equal to prev (a command's correlation id is its own id
// unless it was caused by another), sharing prev's memory when it is.
func (r *shapeReader) same(dst *string, prev string) bool {
	if body, plain, ok := r.stringToken(); ok && plain && string(body) == prev {
		*dst = prev
		r.b = r.b[len(body)+2:]
		return true
	}
	return r.str(dst)
}

func (r *shapeReader) stamp(m *domain.Metadata) bool {
	start := r.b
	body, ok := r.quoted()
	if !ok {
		return false
	}
	if t, ok := parseStampUTC(body); ok {
		m.RecordedAt = t
		return true
	}
	return m.RecordedAt.UnmarshalJSON(start[:len(start)-len(r.b)]) == nil
}

// parseStampUTC reads the one form the ledger stamps events with, RFC 3339 in UTC with up to nine
// digits of fraction (2009-07-01T10:00:00.123456789Z), as time.Time's UnmarshalJSON would; false for
// anything else, which is then left to UnmarshalJSON. Every event has one, and the general parser
// was a tenth of decoding an event's metadata. FuzzParseStampIsUnmarshalJSON holds the two together.
func parseStampUTC(b []byte) (time.Time, bool) {
	const whole = len("2006-01-02T15:04:05")
	if len(b) < whole+1 || b[len(b)-1] != 'Z' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	date, err := domain.ParseDate(borrow(b[:10])) // ParseDate keeps nothing of its argument
	hour, ok1 := num(11, 13)
	minute, ok2 := num(14, 16)
	sec, ok3 := num(17, 19)
	if err != nil || !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[whole : len(b)-1]; len(frac) > 0 {
		digits := len(frac) - 1
		if frac[0] != '.' || digits < 1 || digits > 9 {
			return time.Time{}, false
		}
		n, ok := num(whole+1, len(b)-1)
		if !ok {
			return time.Time{}, false
		}
		for range 9 - digits {
			n *= 10
		}
		nsec = n
	}
	return time.Date(date.Year(), date.Month(), date.Day(), hour, minute, sec, nsec, time.UTC), true
}
