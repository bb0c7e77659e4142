package esdbstore

import (
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func TestEventData(t *testing.T) {
	id := uuid.New()
	cases := []struct {
		name string
		data []byte
		want esdb.ContentType
	}{
		{"JSON object, as the ledger writes", []byte(`{"plan_id":"p","version":1}`), esdb.ContentTypeJson},
		{"JSON array", []byte(`[1,2]`), esdb.ContentTypeJson},
		{"binary", []byte{0, 1, 0xfe, 0xff}, esdb.ContentTypeBinary},
		{"text that is not JSON", []byte(`{"open":`), esdb.ContentTypeBinary},
		{"empty", nil, esdb.ContentTypeBinary},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			meta := []byte(`{"hash":"ab"}`)
			got := eventData(eventstore.Event{ID: id, Type: "PlanSubmitted", Data: tc.data, Metadata: meta})
			assert.Equal(t, tc.want, got.ContentType)
			assert.Equal(t, id, got.EventID, "the ledger's id is the server's id")
			assert.Equal(t, "PlanSubmitted", got.EventType)
			assert.Equal(t, tc.data, got.Data, "data goes byte for byte")
			assert.Equal(t, meta, got.Metadata, "metadata goes byte for byte")
		})
	}
	all := eventsData([]eventstore.Event{{ID: id, Type: "A"}, {ID: uuid.New(), Type: "B"}})
	require.Len(t, all, 2)
	assert.Equal(t, "B", all[1].EventType)
}

func TestIsSystem(t *testing.T) {
	cases := []struct {
		stream, typ string
		want        bool
	}{
		{"plan-1", "PlanSubmitted", false},
		{"registry", "OrganisationRegistered", false},
		{"$stats-127.0.0.1:2113", "$statsCollected", true},
		{"$scavenges", "$scavengeStarted", true},
		{"$$plan-1", "$metadata", true},
		{"$ce-plan", "$>", true},
		{"$epoch-information", "EpochInformation", true}, // a system stream with an ordinary type
		{"plan-1", "$>", true},                           // a link in a user stream
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, isSystem(tc.stream, tc.typ), "%s / %s", tc.stream, tc.typ)
	}
}

func TestRecorded(t *testing.T) {
	id := uuid.New()
	at := time.Date(2009, 10, 1, 9, 30, 0, 123456700, time.FixedZone("BST", 3600))
	got, err := recorded(&esdb.RecordedEvent{
		EventID: id, EventType: "PlanSubmitted", ContentType: "application/json", StreamID: "plan-1",
		EventNumber: 3, Position: esdb.Position{Commit: 9001, Prepare: 9001}, CreatedDate: at,
		Data: []byte(`{"a":1}`), UserMetadata: []byte(`{"hash":"x"}`), SystemMetadata: map[string]string{"type": "PlanSubmitted"},
	})
	require.NoError(t, err)
	assert.Equal(t, eventstore.RecordedEvent{
		ID: id, Stream: "plan-1", Revision: 3, Position: 9001, Type: "PlanSubmitted",
		Data: []byte(`{"a":1}`), Metadata: []byte(`{"hash":"x"}`), RecordedAt: at.UTC(),
	}, got)
	assert.Equal(t, time.UTC, got.RecordedAt.Location())

	_, err = recorded(&esdb.RecordedEvent{EventID: id, Position: esdb.Position{Commit: ^uint64(0)}})
	assert.Error(t, err, "an event without a position")
}
