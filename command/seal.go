package command

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// seal encodes an event and its metadata and links it to the chain head prevHash. It returns the
// event as the store takes it and as a fold takes it (with its content's hash, for a version).
func seal(prevHash string, req Request, data domain.EventData, at time.Time) (eventstore.Event, domain.Event, error) {
	eventType, raw, err := eventcodec.EncodeEvent(data)
	if err != nil {
		return eventstore.Event{}, domain.Event{}, err
	}
	folded := domain.Event{Data: data}
	if v, ok := data.(domain.VersionEvent); ok {
		_, c := v.VersionContent()
		if folded.ContentHash, err = eventcodec.ContentHash(c); err != nil {
			return eventstore.Event{}, domain.Event{}, fmt.Errorf("seal: %w", err)
		}
	}
	id := newEventID()
	meta := domain.Metadata{
		EventID:       id.String(),
		CommandID:     req.CommandID,
		Actor:         req.Actor,
		RecordedAt:    at.UTC(),
		CorrelationID: req.CorrelationID,
		SchemaVersion: eventcodec.SchemaVersion,
		PrevHash:      prevHash,
	}
	unsealed, err := eventcodec.EncodeMetadata(meta)
	if err != nil {
		return eventstore.Event{}, domain.Event{}, fmt.Errorf("seal: %w", err)
	}
	if meta.Hash, err = eventcodec.SealHash(prevHash, data, raw, meta, unsealed); err != nil {
		return eventstore.Event{}, domain.Event{}, err
	}
	// "hash" is Metadata's last field, so the sealed encoding is the unsealed one with the member
	// appended: no second marshal. TestSealedMetadataIsMarshalled holds this to json.Marshal.
	sealed := make([]byte, 0, len(unsealed)+len(`,"hash":""`)+len(meta.Hash))
	sealed = append(sealed, unsealed[:len(unsealed)-1]...)
	sealed = append(sealed, `,"hash":"`...)
	sealed = append(sealed, meta.Hash...)
	sealed = append(sealed, `"}`...)
	folded.Meta = meta
	return eventstore.Event{ID: id, Type: eventType, Data: raw, Metadata: sealed}, folded, nil
}

// newEventID returns a UUID v7: time-ordered, so ids sort roughly in recording order.
func newEventID() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only if the system's random source does; nothing can be recorded safely then.
		panic(fmt.Sprintf("uuid v7: %v", err))
	}
	return id
}
