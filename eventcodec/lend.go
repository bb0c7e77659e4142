package eventcodec

import (
	"fmt"

	"assurance-ledger/domain"
)

// LendContent decodes a stored version event as DecodeEnvelope does and lends fn its version
// number, its content and the content's hash (ContentHash). The content's strings may borrow data's
// memory, and its lists are reused by the next call: both are valid only until fn returns, and fn
// must keep nothing of them. Any other event type is an error.
//
// It is for a reader that turns a version's content straight into something else (an HTTP answer)
// from bytes it was lent (eventstore.Lender): the content is never copied onto the heap.
func LendContent(eventType string, data, metadata []byte, fn func(version int, c domain.Content, hash string) error) error {
	return LedgerSchema.lendContent(eventType, data, metadata, fn)
}

func (s *Schema) lendContent(eventType string, data, metadata []byte, fn func(version int, c domain.Content, hash string) error) error {
	if spec, ok := domain.Spec(eventType); !ok || !spec.CarriesVersion() {
		return fmt.Errorf("%s carries no plan content", eventType)
	}
	schemaVersion, err := schemaVersionOf(metadata)
	if err != nil {
		return fmt.Errorf("%s metadata: %w", eventType, err)
	}
	current, err := s.Upcast(eventType, schemaVersion, data)
	if err != nil {
		return err
	}
	t := internTables.Get().(*internTable)
	sc := contentScratch.Get().(*domain.Content)
	defer func() {
		clearScratch(sc)
		contentScratch.Put(sc)
		internTables.Put(t)
	}()
	// Of the event only its version is used: its strings are borrowed too. Data not in the shape
	// EncodeEvent writes goes to the general decoder, into owned strings.
	d, fast := readVersionEvent(t, eventType, current, sc, true)
	if !fast {
		if d, err = DecodeEvent(eventType, current); err != nil {
			return err
		}
		_, *sc = d.(domain.VersionEvent).VersionContent()
	}
	hash, err := ContentHash(*sc)
	if err != nil {
		return fmt.Errorf("%s: %w", eventType, err)
	}
	version, _ := d.(domain.VersionEvent).VersionContent()
	return fn(version, *sc, hash)
}
