package domain

import "fmt"

// DecodeEnvelope turns a stored event's type, data and metadata into an Event for a fold.
func DecodeEnvelope(eventType string, data, metadata []byte) (Event, error) {
	d, err := DecodeEvent(eventType, data)
	if err != nil {
		return Event{}, err
	}
	var meta Metadata
	if err := decodeMetadata(metadata, &meta); err != nil {
		return Event{}, fmt.Errorf("%s metadata: %w", eventType, err)
	}
	return Event{Data: d, Meta: meta}, nil
}
