package domain

import "fmt"

// DecodeEnvelope decodes a stored event with LedgerSchema.
func DecodeEnvelope(eventType string, data, metadata []byte) (Event, error) {
	return LedgerSchema.DecodeEnvelope(eventType, data, metadata)
}

// DecodeEnvelope turns a stored event's type, data and metadata into an Event in the current shape.
// Meta.SchemaVersion stays the version the event was written under: metadata is what was recorded.
func (s *Schema) DecodeEnvelope(eventType string, data, metadata []byte) (Event, error) {
	return s.decodeEnvelope(eventType, data, metadata, false)
}

// decodeEnvelope is DecodeEnvelope, or with digest DecodeEnvelopeDigest.
func (s *Schema) decodeEnvelope(eventType string, data, metadata []byte, digest bool) (Event, error) {
	var meta Metadata
	if err := decodeMetadata(metadata, &meta); err != nil {
		return Event{}, fmt.Errorf("%s metadata: %w", eventType, err)
	}
	current, err := s.Upcast(eventType, meta.SchemaVersion, data)
	if err != nil {
		return Event{}, err
	}
	if digest {
		d, hash, ok, err := digestContent(eventType, current)
		if err != nil {
			return Event{}, err
		}
		if ok {
			return Event{Data: d, Meta: meta, contentHash: hash}, nil
		}
	}
	d, err := DecodeEvent(eventType, current)
	if err != nil {
		return Event{}, err
	}
	return Event{Data: d, Meta: meta}, nil
}
