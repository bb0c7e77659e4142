package command

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// seal encodes an event and its metadata and links it to the chain head prevHash.
func seal(prevHash string, req Request, data domain.EventData, at time.Time) (eventstore.Event, domain.Metadata, error) {
	eventType, raw, err := domain.EncodeEvent(data)
	if err != nil {
		return eventstore.Event{}, domain.Metadata{}, err
	}
	id := newEventID()
	meta := domain.Metadata{
		EventID:       id.String(),
		CommandID:     req.CommandID,
		Actor:         req.Actor,
		RecordedAt:    at.UTC(),
		CorrelationID: req.CorrelationID,
		SchemaVersion: domain.SchemaVersion,
		PrevHash:      prevHash,
	}
	unsealed, err := domain.EncodeMetadata(meta)
	if err != nil {
		return eventstore.Event{}, domain.Metadata{}, fmt.Errorf("seal: %w", err)
	}
	if meta.Hash, err = domain.SealHash(prevHash, data, raw, meta, unsealed); err != nil {
		return eventstore.Event{}, domain.Metadata{}, err
	}
	// "hash" is Metadata's last field, so the sealed encoding is the unsealed one with the member
	// appended: no second marshal. TestSealedMetadataIsMarshalled holds this to json.Marshal.
	sealed := make([]byte, 0, len(unsealed)+len(`,"hash":""`)+len(meta.Hash))
	sealed = append(sealed, unsealed[:len(unsealed)-1]...)
	sealed = append(sealed, `,"hash":"`...)
	sealed = append(sealed, meta.Hash...)
	sealed = append(sealed, `"}`...)
	return eventstore.Event{ID: id, Type: eventType, Data: raw, Metadata: sealed}, meta, nil
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
