package eventcodec

import (
	"encoding/json"
	"strconv"
	"time"

	"assurance-ledger/domain"
)

// EncodeMetadata is json.Marshal(m), written directly in the usual case (every text printable ASCII
// that encoding/json leaves as it is, the time in UTC within years 0-9999) and by json.Marshal
// otherwise. Sealing encodes metadata for every event; reflection was most of that cost.
// FuzzEncodeMetadataIsMarshal holds the bytes equal.
func EncodeMetadata(m domain.Metadata) ([]byte, error) {
	if !plainMetadata(m) {
		return json.Marshal(m)
	}
	b := make([]byte, 0, 320)
	b = append(b, `{"event_id":"`...)
	b = append(b, m.EventID...)
	b = append(b, `","command_id":"`...)
	b = append(b, m.CommandID...)
	b = append(b, `","actor":{"person_id":"`...)
	b = append(b, m.Actor.PersonID...)
	b = append(b, `","name":"`...)
	b = append(b, m.Actor.Name...)
	b = append(b, `","role":"`...)
	b = append(b, m.Actor.Role...)
	b = append(b, `","org":"`...)
	b = append(b, m.Actor.Org...)
	b = append(b, `"},"recorded_at":"`...)
	b = m.RecordedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","correlation_id":"`...)
	b = append(b, m.CorrelationID...)
	b = append(b, `","schema_version":`...)
	b = strconv.AppendInt(b, int64(m.SchemaVersion), 10)
	b = append(b, `,"prev_hash":"`...)
	b = append(b, m.PrevHash...)
	b = append(b, '"')
	if m.Hash != "" {
		b = append(b, `,"hash":"`...)
		b = append(b, m.Hash...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// appendMetadataCanonical appends the RFC 8785 form of m's JSON without its hash (members in
// code-unit order), for plain metadata only: false otherwise.
func appendMetadataCanonical(b []byte, m domain.Metadata) ([]byte, bool) {
	if !plainMetadata(m) {
		return b, false
	}
	b = append(b, `{"actor":{"name":"`...)
	b = append(b, m.Actor.Name...)
	b = append(b, `","org":"`...)
	b = append(b, m.Actor.Org...)
	b = append(b, `","person_id":"`...)
	b = append(b, m.Actor.PersonID...)
	b = append(b, `","role":"`...)
	b = append(b, m.Actor.Role...)
	b = append(b, `"},"command_id":"`...)
	b = append(b, m.CommandID...)
	b = append(b, `","correlation_id":"`...)
	b = append(b, m.CorrelationID...)
	b = append(b, `","event_id":"`...)
	b = append(b, m.EventID...)
	b = append(b, `","prev_hash":"`...)
	b = append(b, m.PrevHash...)
	b = append(b, `","recorded_at":"`...)
	b = m.RecordedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","schema_version":`...)
	w := canonWriter{b: b, ok: true}
	w.integer(int64(m.SchemaVersion)) // as an IEEE double, as the canonicaliser reads it
	return append(w.b, '}'), w.ok
}

// plainMetadata reports whether m's JSON can be written without escaping or reflection: every
// text printable ASCII other than the characters encoding/json escapes, and the time in UTC within
// the years its MarshalJSON accepts.
func plainMetadata(m domain.Metadata) bool {
	if m.RecordedAt.Location() != time.UTC {
		return false
	}
	if y := m.RecordedAt.Year(); y < 0 || y > 9999 {
		return false
	}
	for _, s := range [...]string{m.EventID, m.CommandID, m.Actor.PersonID, m.Actor.Name, string(m.Actor.Role), m.Actor.Org, m.CorrelationID, m.PrevHash, m.Hash} {
		if !plainText(s) {
			return false
		}
	}
	return true
}

// plainText: printable ASCII that neither JSON nor encoding/json's HTML-safe output escapes.
func plainText(s string) bool {
	for i := range len(s) {
		switch b := s[i]; {
		case b < 0x20 || b > 0x7e, b == '"', b == '\\', b == '<', b == '>', b == '&':
			return false
		}
	}
	return true
}
