package esdbstore

import (
	"encoding/json"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// eventData is e as the client sends it. The ledger's own event id becomes the server's, which is
// what lets the server (and this store) recognise a retried append. Data that is JSON, as the
// ledger's always is, is marked as such, so that the server's own tools (the UI, projections) can
// read it; anything else goes as binary, byte for byte. Metadata goes as it is: the server stores
// user metadata as opaque bytes, and the ledger's is JSON already.
func eventData(e eventstore.Event) esdb.EventData {
	ct := esdb.ContentTypeBinary
	if len(e.Data) > 0 && json.Valid(e.Data) {
		ct = esdb.ContentTypeJson
	}
	return esdb.EventData{EventID: e.ID, EventType: e.Type, ContentType: ct, Data: e.Data, Metadata: e.Metadata}
}

func eventsData(evs []eventstore.Event) []esdb.EventData {
	out := make([]esdb.EventData, len(evs))
	for i, e := range evs {
		out[i] = eventData(e)
	}
	return out
}

// isSystem reports whether an event is the server's own: a $-prefixed type (stream metadata,
// links, statistics) or a $-prefixed stream (the server's streams, system projections). The port
// refuses both for the ledger's events, so none of the ledger's is ever skipped.
func isSystem(stream, typ string) bool {
	return strings.HasPrefix(stream, "$") || strings.HasPrefix(typ, "$")
}

// recorded converts an event the server sent.
func recorded(e *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	pos, err := eventPosition(e)
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	return eventstore.RecordedEvent{
		ID:         e.EventID,
		Stream:     e.StreamID,
		Revision:   e.EventNumber,
		Position:   pos,
		Type:       e.EventType,
		Data:       e.Data,
		Metadata:   e.UserMetadata,
		RecordedAt: e.CreatedDate.UTC(),
	}, nil
}
