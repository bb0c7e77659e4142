package domain

import (
	"fmt"
	"sync"
	"unsafe"
)

// DecodeEnvelopeDigest is DecodeEnvelope for a holder of many plans that keeps no content (the
// projections: see Plan.ForgetContent). The content of a submission or revision is hashed as it is
// read and left out: the event's Content is empty and the event carries the content's hash, which
// Plan.Apply then uses: folded, such an event gives a version with empty content and the content's
// hash, as Plan.ForgetContent leaves one. Every other event decodes as with DecodeEnvelope.
//
// A replay is bound by allocation: content is most of a log's bytes, and decoding it into strings
// only to hash and drop them was most of what a replay allocated.
func DecodeEnvelopeDigest(eventType string, data, metadata []byte) (Event, error) {
	return LedgerSchema.decodeEnvelope(eventType, data, metadata, decodeDigest)
}

// DecodeEnvelopeFold is DecodeEnvelopeDigest for a fold of plans (the projections'): of the
// metadata it keeps what Plan.Apply and the projections use (event id, actor, recorded_at, schema
// version) and leaves the command id, correlation id and chain hashes empty. Those four are a
// third of an event's metadata, and copying them only to drop them was a tenth of a replay's
// decoding. Folding an event decoded so gives the plan folding it from DecodeEnvelopeDigest does.
func DecodeEnvelopeFold(eventType string, data, metadata []byte) (Event, error) {
	return LedgerSchema.decodeEnvelope(eventType, data, metadata, decodeFold)
}

// digestContent returns the data of a submission or revision with its content left out, and the
// content's hash; ok is false for other events.
func digestContent(eventType string, data []byte) (d EventData, hash string, ok bool, err error) {
	if eventType != TypePlanSubmitted && eventType != TypePlanRevised {
		return nil, "", false, nil
	}
	t := internTables.Get().(*internTable)
	s := contentScratch.Get().(*Content)
	d, fast := readContentEvent(t, eventType, data, s, false)
	if fast {
		hash, err = ContentHash(*s)
	}
	clearScratch(s)
	contentScratch.Put(s)
	internTables.Put(t)
	if fast {
		if err != nil {
			return nil, "", false, fmt.Errorf("%s: %w", eventType, err)
		}
		return d, hash, true, nil
	}
	if d, err = DecodeEvent(eventType, data); err != nil {
		return nil, "", false, err
	}
	if d, hash, err = dropContent(d); err != nil {
		return nil, "", false, fmt.Errorf("%s: %w", eventType, err)
	}
	return d, hash, true, nil
}

// dropContent is d without its content, and the content's hash, for a submission or revision:
// what DecodeEnvelopeDigest gives for one, by definition. Other events are returned as they are.
func dropContent(d EventData) (EventData, string, error) {
	var (
		hash string
		err  error
	)
	switch e := d.(type) {
	case PlanSubmitted:
		hash, err = ContentHash(e.Content)
		e.Content = Content{}
		d = e
	case PlanRevised:
		hash, err = ContentHash(e.Content)
		e.Content = Content{}
		d = e
	}
	return d, hash, err
}

var contentScratch = sync.Pool{New: func() any { return new(Content) }}

// clearScratch empties s for the next event. Its lists keep their memory, but none of the borrowed
// strings written in it, up to their capacity: a read that failed half way leaves some beyond
// their length.
func clearScratch(s *Content) {
	clear(s.Clinical5[:cap(s.Clinical5)])
	clear(s.NationalProgrammes[:cap(s.NationalProgrammes)])
	*s = Content{Clinical5: s.Clinical5[:0], NationalProgrammes: s.NationalProgrammes[:0]}
}

// readContentEvent is readEventData for a submission or revision, with the content read into c
// instead of the event. c's strings are borrowed from data (see borrow): they are valid only until
// data changes, and must not outlive the call that hashes them. With borrowAll the event's own
// strings are borrowed too, for a caller that keeps nothing of the event.
func readContentEvent(t *internTable, eventType string, data []byte, c *Content, borrowAll bool) (EventData, bool) {
	r := t.readerFor(data, borrowAll)
	defer r.done()
	var (
		d  EventData
		ok bool
	)
	switch eventType {
	case TypePlanSubmitted:
		var e PlanSubmitted
		ok = r.submission(&e) && r.borrowed(c) && r.end()
		d = e
	case TypePlanRevised:
		var e PlanRevised
		ok = r.lit(`{"version":`) && r.int(&e.Version) &&
			r.lit(`,"content":`) && r.borrowed(c) &&
			r.lit(`,"reason":`) && r.str(&e.Reason) && r.end()
		d = e
	}
	return d, ok
}

// borrowed reads content into c with its strings borrowed from the input rather than copied.
func (r *shapeReader) borrowed(c *Content) bool {
	was := r.borrow
	r.borrow = true
	defer func() { r.borrow = was }()
	return r.content(c)
}

// borrow is body as a string sharing its memory: no copy, for a string that is hashed and
// dropped before body can change.
func borrow(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	return unsafe.String(&body[0], len(body))
}
