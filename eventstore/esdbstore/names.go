package esdbstore

import (
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// names maps the ledger's stream names to the server's: each with the store's prefix
// (Options.StreamPrefix), so that several ledgers can share one server, each seeing only its own
// streams. With no prefix a name is the same on both sides.
type names struct{ prefix string }

// full is the server's name of a ledger stream.
func (n names) full(stream string) string { return n.prefix + stream }

// own reports whether an event of $all is one of this ledger's: not the server's own, and in a
// stream with the prefix. Events of other streams (another ledger's, another application's) are
// passed over.
func (n names) own(e *esdb.RecordedEvent) bool {
	return !isSystem(e.StreamID, e.EventType) && strings.HasPrefix(e.StreamID, n.prefix)
}

// recorded converts an event the server sent, naming its stream as the ledger does.
func (n names) recorded(e *esdb.RecordedEvent) (eventstore.RecordedEvent, error) {
	r, err := recorded(e)
	r.Stream = strings.TrimPrefix(r.Stream, n.prefix)
	return r, err
}

// subscriptionFilter is what the server filters a subscription to $all with: the streams with the
// prefix, or, without one, every event that is not the server's own. Either way own decides too.
func (n names) subscriptionFilter() *esdb.SubscriptionFilter {
	if n.prefix == "" {
		return esdb.ExcludeSystemEventsFilter()
	}
	return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{n.prefix}}
}
