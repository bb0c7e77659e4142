package eventcodec

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"assurance-ledger/domain"
)

// DecodeEnvelopeDigest is DecodeEnvelope for a holder of many plans that keeps no content (the
// projections: see Plan.ForgetContent). The content of a version event is hashed as it is read and
// left out: the event's content is empty and the event carries the content's hash, which Plan.Apply
// then uses: folded, such an event gives a version with empty content and the content's hash, as
// Plan.ForgetContent leaves one. Every other event decodes as with DecodeEnvelope.
//
// A replay is bound by allocation: content is most of a log's bytes, and decoding it into strings
// only to hash and drop them was most of what a replay allocated.
func DecodeEnvelopeDigest(eventType string, data, metadata []byte) (domain.Event, error) {
	return LedgerSchema.decodeEnvelope(eventType, data, metadata, decodeDigest)
}

// DecodeEnvelopeFold is DecodeEnvelopeDigest for a fold of plans (the projections'): of the
// metadata it keeps what Plan.Apply and the projections use (event id, actor, recorded_at, schema
// version) and leaves the command id, correlation id and chain hashes empty. Those four are a
// third of an event's metadata, and copying them only to drop them was a tenth of a replay's
// decoding. Folding an event decoded so gives the plan folding it from DecodeEnvelopeDigest does.
func DecodeEnvelopeFold(eventType string, data, metadata []byte) (domain.Event, error) {
	return LedgerSchema.decodeEnvelope(eventType, data, metadata, decodeFold)
}

// digestContent returns the data of a version event with its content left out, the content's hash,
// and its digest (domain.ContentDigest), which is what a fold keeps of it.
func digestContent(eventType string, data []byte) (d domain.EventData, hash string, digest *domain.ContentDigest, err error) {
	t := internTables.Get().(*internTable)
	s := contentScratch.Get().(*domain.Content)
	d, fast := readVersionEvent(t, eventType, data, s, false)
	if fast {
		hash, err = ContentHash(*s)
		// The scratch's strings are borrowed from data: the few the digest keeps are interned.
		digest = s.Digest(t.keep)
	}
	clearScratch(s)
	contentScratch.Put(s)
	internTables.Put(t)
	if fast {
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w", eventType, err)
		}
		return d, hash, digest, nil
	}
	if d, err = DecodeEvent(eventType, data); err != nil {
		return nil, "", nil, err
	}
	v := d.(domain.VersionEvent) // the registration says so
	_, c := v.VersionContent()
	if hash, err = ContentHash(c); err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", eventType, err)
	}
	return v.WithoutContent(), hash, c.Digest(nil), nil
}

// keep is s as a string of t's, which a caller may hold after the input s borrows from changes.
func (t *internTable) keep(s string) string {
	if s == "" {
		return ""
	}
	return t.string(unsafe.Slice(unsafe.StringData(s), len(s)))
}

var contentScratch = sync.Pool{New: func() any { return new(domain.Content) }}

// clearScratch empties s for the next event. Its lists keep their memory, but none of the borrowed
// strings written in them, up to their capacity: a read that failed half way leaves some beyond
// their length. A list content may leave out (omitempty) is left nil, as a reader that finds it
// absent does not touch it and content without it decodes to nil.
func clearScratch(s *domain.Content) {
	v := reflect.ValueOf(s).Elem()
	keep := reflect.New(v.Type()).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Slice {
			continue
		}
		full := f.Slice(0, f.Cap())
		full.Clear()
		if !strings.Contains(v.Type().Field(i).Tag.Get("json"), ",omitempty") {
			keep.Field(i).Set(f.Slice(0, 0))
		}
	}
	v.Set(keep)
}

// readVersionEvent is the generated reader for a version event, with the content read into c
// instead of the event. c's strings are borrowed from data (see borrow): they are valid only until
// data changes, and must not outlive the call that hashes them. With borrowAll the event's own
// strings are borrowed too, for a caller that keeps nothing of the event.
func readVersionEvent(t *internTable, eventType string, data []byte, c *domain.Content, borrowAll bool) (domain.EventData, bool) {
	r := t.readerFor(data, borrowAll)
	r.scratch = c
	defer r.done()
	return readEventData(r, eventType)
}

// borrow is body as a string sharing its memory: no copy, for a string that is hashed and
// dropped before body can change.
func borrow(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	return unsafe.String(&body[0], len(body))
}
