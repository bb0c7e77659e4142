package api

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/b64"
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

// storedEvents answers GET /v1/audit/events?view=stored, writing the page itself, each event
// straight from the store's memory into a buffer kept between pages: a mirror reads the whole log
// through it, and encoding/json, or a copy of every event, would spend more than the read.
func (s *server) storedEvents(c echo.Context, from uint64, limit int) error {
	faultFeedPage()
	ctx := c.Request().Context()
	bp := feedBuffers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxKeptFeedBuffer {
			feedBuffers.Put(bp)
		}
	}()
	b := append((*bp)[:0], `{"format":"`+StoredEventsFormat+`","events":[`...)
	first := true
	last, err := s.history.LendStored(ctx, from-1, limit, func(e eventstore.RecordedEvent) error {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendStoredEvent(b, e)
		return nil
	})
	*bp = b
	if err != nil {
		return feedError(err, from)
	}
	head, err := s.Store.Head(ctx)
	if err != nil {
		return err
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
	*bp = b
	// Its length said, so that the page is sent as it is rather than in chunks. Written before
	// Blob returns: the buffer is free for the next page once it has.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// appendStoredEvent appends e as an event of the stored view.
func appendStoredEvent(b []byte, e eventstore.RecordedEvent) []byte {
	b = append(b, `{"position":`...)
	b = strconv.AppendUint(b, e.Position, 10)
	b = append(b, `,"stream":`...)
	b = eventcodec.AppendJSONString(b, e.Stream)
	b = append(b, `,"revision":`...)
	b = strconv.AppendUint(b, e.Revision, 10)
	b = append(b, `,"type":`...)
	b = eventcodec.AppendJSONString(b, e.Type)
	b = append(b, `,"event_id":"`...)
	b = appendUUID(b, e.ID)
	b = append(b, `","data_b64":"`...)
	b = b64.AppendEncode(b, e.Data)
	b = append(b, `","metadata_b64":"`...)
	b = b64.AppendEncode(b, e.Metadata)
	return append(b, `"}`...)
}

// appendUUID appends id in its canonical text form, as id.String() gives it, without a string.
func appendUUID(b []byte, id uuid.UUID) []byte {
	var t [36]byte
	hex.Encode(t[0:8], id[0:4])
	t[8] = '-'
	hex.Encode(t[9:13], id[4:6])
	t[13] = '-'
	hex.Encode(t[14:18], id[6:8])
	t[18] = '-'
	hex.Encode(t[19:23], id[8:10])
	t[23] = '-'
	hex.Encode(t[24:36], id[10:16])
	return append(b, t[:]...)
}

// feedBuffers keep the stored view's answers' buffers between pages: a page is a MiB or two.
var feedBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxKeptFeedBuffer bounds a buffer kept for the next page: one grown for a page of outsized
// events is let go.
const maxKeptFeedBuffer = 8 << 20

// feedError is the answer to a failed read of the feed from position from.
func feedError(err error, from uint64) error {
	if errors.Is(err, eventstore.ErrInvalidPosition) {
		return badRequest(fmt.Sprintf("from_position %d is not a position of this ledger's store: use 0, an event's position, or next_from_position", from),
			field("from_position", "not an event's position in this store"))
	}
	return err
}
