package esdbstore

import (
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// separator ends every stream prefix, and no stream name of a ledger contains it (`registry`,
// `plan-<id>`, `sha-return-<ODS>-<round>`: letters, digits and hyphens). That is what keeps
// ledgers on one server apart: a stream is a ledger's when its name is the ledger's prefix
// followed by a name without the separator, so a ledger without a prefix takes no prefixed stream
// (`ledger-b.registry`) as its own, and a prefix nested in another (`l.` and `l.plan.`) leaves each
// ledger only its own streams.
const separator = "."

// names maps the ledger's stream names to the server's: each with the store's prefix
// (Options.StreamPrefix), so that several ledgers can share one server, each seeing only its own
// streams. With no prefix a name is the same on both sides.
type names struct{ prefix string }

// full is the server's name of a ledger stream.
func (n names) full(stream string) string { return n.prefix + stream }

// own reports whether an event of $all is one of this ledger's: not the server's own, and in one
// of the ledger's streams (ownsStream). Events of other streams (another ledger's, another
// application's) are passed over.
func (n names) own(e *esdb.RecordedEvent) bool {
	return !isSystem(e.StreamID, e.EventType) && n.ownsStream(e.StreamID)
}

// ownsStream reports whether the server's stream is one of this ledger's: the prefix, then a
// name without the separator.
func (n names) ownsStream(server string) bool {
	rest, ok := strings.CutPrefix(server, n.prefix)
	return ok && rest != "" && !strings.Contains(rest, separator)
}

// checkName refuses a ledger stream name the store would not read back as its own.
func checkName(stream string) error {
	if strings.Contains(stream, separator) {
		return fmt.Errorf("%w: stream name %q has %q, which separates a stream prefix from the name (a ledger stream never has it)", eventstore.ErrInvalidAppend, stream, separator)
	}
	return nil
}

// recorded converts an event the server sent, naming its stream as the ledger does.
func (n names) recorded(e *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	r, err := recorded(e)
	r.Stream = strings.TrimPrefix(r.Stream, n.prefix)
	return r, err
}

// subscriptionFilter is what the server filters a subscription to $all with: the streams with the
// prefix, or, without one, every event that is not the server's own. Either way own decides too:
// the server's filter also passes streams of a prefix nested in this one.
func (n names) subscriptionFilter() *esdb.SubscriptionFilter {
	if n.prefix == "" {
		return esdb.ExcludeSystemEventsFilter()
	}
	return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{n.prefix}}
}
