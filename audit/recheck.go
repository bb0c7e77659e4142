package audit

import (
	"bytes"
	"context"
	"fmt"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"assurance-ledger/api"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// recheck re-reads the first n events of the server's log, as the mirror holds them, and compares
// each byte for byte with the mirror's copy. The tree protects what was mirrored only while the
// server's tree is rebuilt from its log: a server that alters an event in place and keeps the
// tree it had shows the altered event to every reader of its audit trail, and only a re-read finds
// it. It returns the first event that differs and how many were compared.
func recheck(ctx context.Context, c *client, store eventstore.Store, pos *index, n uint64, page int) (*Finding, uint64, error) {
	var checked uint64
	from := uint64(1)
	for checked < n {
		path := fmt.Sprintf("/v1/audit/events?view=stored&from_position=%d&limit=%d", from, page)
		var p api.StoredEventsPage
		_, body, err := c.do(ctx, nil, request{path: path, limit: pageLimit(page)})
		if err != nil {
			return nil, checked, err
		}
		if err := jsonv1.Unmarshal(body, &p); err != nil {
			return nil, checked, fmt.Errorf("GET %s: %w", path, err)
		}
		local, err := store.ReadAll(ctx, checked, len(p.Events))
		if err != nil {
			return nil, checked, err
		}
		for i, e := range p.Events {
			if checked == n {
				return nil, checked, nil
			}
			if i >= len(local) {
				return nil, checked, fmt.Errorf("the mirror ends at %d events", checked)
			}
			l := local[i]
			f := Finding{Kind: KindAltered, Position: pos.of(l.Position), LocalPosition: l.Position, Stream: l.Stream, Revision: l.Revision,
				EventID: l.ID.String(), Type: l.Type}
			switch {
			case e.Position != f.Position:
				f.Reason = fmt.Sprintf("the server's log no longer has this event at this position: its feed gives position %d (event %s) in its place", e.Position, e.EventID)
				return &f, checked, nil
			case e.EventID != f.EventID || e.Stream != l.Stream || e.Revision != l.Revision || e.Type != l.Type:
				f.ServerEventID = e.EventID
				f.Reason = fmt.Sprintf("the server now has event %s (%s, stream %s revision %d) at this position", e.EventID, e.Type, e.Stream, e.Revision)
				return &f, checked, nil
			case !bytes.Equal(e.Data, l.Data) || !bytes.Equal(e.Metadata, l.Metadata):
				f.Reason = "the server now gives other stored bytes for this event than it gave when it was mirrored: " + alteration(e, l)
				return &f, checked, nil
			}
			checked++
		}
		if p.NextFromPosition == nil || len(p.Events) == 0 {
			break
		}
		from = *p.NextFromPosition
	}
	if checked < n {
		f := Finding{Kind: KindTruncated, Reason: fmt.Sprintf("the server's feed ends after %d events; the mirror holds %d it gave before", checked, n)}
		return &f, checked, nil
	}
	return nil, checked, nil
}

// alteration says how an event's bytes were changed: with its hash left as it was, or recomputed.
func alteration(now api.StoredEvent, was eventstore.RecordedEvent) string {
	var meta struct {
		PrevHash string `json:"prev_hash"`
		Hash     string `json:"hash"`
	}
	if jsonv1.Unmarshal(now.Metadata, &meta) != nil {
		return "its metadata is no longer JSON"
	}
	what := "data"
	if bytes.Equal(now.Data, was.Data) {
		what = "metadata"
	}
	got, err := eventcodec.ChainHash(meta.PrevHash, now.Type, now.Data, now.Metadata)
	if err != nil || got != meta.Hash {
		return "its " + what + " changed and its stored hash no longer matches it"
	}
	return "its " + what + " changed and its hash was recomputed to match (the chain after it, and the signed tree, still have the old one)"
}
