package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// The audit feed's decoded view shows each event as the ledger reads it: data upcast to today's
// shape and written again by encoding/json (HTML-escaped, members in the struct's order), metadata
// cut to the members worth reading. None of that is the bytes the event's hashes are over, so a
// reader cannot check a hash from it. The stored view (?view=stored) gives each event as the store
// holds it, data and metadata in base64, byte for byte: what ledger audit mirrors and verifies.

// StoredEventsFormat names the stored view's layout; a later layout gets another name.
const StoredEventsFormat = "assurance-ledger/audit-feed-stored/v1"

// StoredEvent is one event of the stored view, as the store holds it.
type StoredEvent struct {
	Position uint64 `json:"position"`
	Stream   string `json:"stream"`
	Revision uint64 `json:"revision"`
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	// Data and Metadata are the stored bytes, standard base64: the chain hash is over exactly them.
	Data     []byte `json:"data_b64"`
	Metadata []byte `json:"metadata_b64"`
}

// StoredEventsPage is a page of the stored view.
type StoredEventsPage struct {
	Format           string        `json:"format"`
	Events           []StoredEvent `json:"events"`
	HeadPosition     uint64        `json:"head_position"`
	NextFromPosition *uint64       `json:"next_from_position"`
	Next             *string       `json:"next"`
}

// storedEvents answers GET /v1/audit/events?view=stored, writing the page itself: a mirror reads
// the whole log through it, and encoding/json would spend more than the read.
func (s *server) storedEvents(c echo.Context, from uint64, limit int) error {
	faultFeedPage()
	ctx := c.Request().Context()
	events, last, err := s.history.Stored(ctx, from-1, limit)
	if err != nil {
		return feedError(err, from)
	}
	head, err := s.Store.Head(ctx)
	if err != nil {
		return err
	}
	size := 256
	for _, e := range events {
		size += 160 + len(e.Stream) + len(e.Type) + base64.StdEncoding.EncodedLen(len(e.Data)) + base64.StdEncoding.EncodedLen(len(e.Metadata))
	}
	b := make([]byte, 0, size)
	b = append(b, `{"format":"`+StoredEventsFormat+`","events":[`...)
	for i, e := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"position":`...)
		b = strconv.AppendUint(b, e.Position, 10)
		b = append(b, `,"stream":`...)
		b = eventcodec.AppendJSONString(b, e.Stream)
		b = append(b, `,"revision":`...)
		b = strconv.AppendUint(b, e.Revision, 10)
		b = append(b, `,"type":`...)
		b = eventcodec.AppendJSONString(b, e.Type)
		b = append(b, `,"event_id":"`...)
		b = append(b, e.ID.String()...)
		b = append(b, `","data_b64":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Data)
		b = append(b, `","metadata_b64":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Metadata)
		b = append(b, `"}`...)
	}
	b = append(b, `],"head_position":`...)
	b = strconv.AppendUint(b, head, 10)
	if last < head {
		b = append(b, `,"next_from_position":`...)
		b = strconv.AppendUint(b, last+1, 10)
		b = append(b, `,"next":`...)
		b = eventcodec.AppendJSONString(b, fmt.Sprintf("/v1/audit/events?from_position=%d&limit=%d&view=stored", last+1, limit))
	} else {
		b = append(b, `,"next_from_position":null,"next":null`...)
	}
	b = append(b, "}\n"...)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// feedError is the answer to a failed read of the feed from position from.
func feedError(err error, from uint64) error {
	if errors.Is(err, eventstore.ErrInvalidPosition) {
		return badRequest(fmt.Sprintf("from_position %d is not a position of this ledger's store: use 0, an event's position, or next_from_position", from),
			field("from_position", "not an event's position in this store"))
	}
	return err
}
