package eventcodec

import (
	"fmt"

	"assurance-ledger/domain"
)

// DecodeEnvelope decodes a stored event with LedgerSchema.
func DecodeEnvelope(eventType string, data, metadata []byte) (domain.Event, error) {
	return LedgerSchema.DecodeEnvelope(eventType, data, metadata)
}

// DecodeEnvelope turns a stored event's type, data and metadata into an Event in the current shape.
// Meta.SchemaVersion stays the version the event was written under: metadata is what was recorded.
func (s *Schema) DecodeEnvelope(eventType string, data, metadata []byte) (domain.Event, error) {
	return s.decodeEnvelope(eventType, data, metadata, decodeWhole)
}

// decodeMode is how much of an event decodeEnvelope keeps.
type decodeMode int

const (
	decodeWhole  decodeMode = iota // DecodeEnvelope
	decodeDigest                   // DecodeEnvelopeDigest: a version's content hashed, not kept
	decodeFold                     // DecodeEnvelopeFold: as digest, and metadata only as a fold uses it
)

// decodeEnvelope is DecodeEnvelope, DecodeEnvelopeDigest or DecodeEnvelopeFold, as mode says.
func (s *Schema) decodeEnvelope(eventType string, data, metadata []byte, mode decodeMode) (domain.Event, error) {
	var (
		meta domain.Metadata
		err  error
	)
	if mode == decodeFold { // not through a func value, through which &meta would escape
		err = decodeMetadataForFold(metadata, &meta)
	} else {
		err = decodeMetadata(metadata, &meta)
	}
	if err != nil {
		return domain.Event{}, fmt.Errorf("%s metadata: %w", eventType, err)
	}
	current, err := s.Upcast(eventType, meta.SchemaVersion, data)
	if err != nil {
		return domain.Event{}, err
	}
	spec, ok := domain.Spec(eventType)
	if !ok {
		return domain.Event{}, fmt.Errorf("decode event: unknown event type %q", eventType)
	}
	if spec.CarriesVersion() && mode != decodeWhole {
		d, hash, digest, err := digestContent(eventType, current)
		if err != nil {
			return domain.Event{}, err
		}
		return domain.Event{Data: d, Meta: meta, ContentHash: hash, Digest: digest}, nil
	}
	d, err := decodeEvent(spec, current)
	if err != nil {
		return domain.Event{}, err
	}
	e := domain.Event{Data: d, Meta: meta}
	if v, ok := d.(domain.VersionEvent); ok {
		_, c := v.VersionContent()
		if e.ContentHash, err = ContentHash(c); err != nil {
			return domain.Event{}, fmt.Errorf("%s: %w", eventType, err)
		}
	}
	return e, nil
}
