package esdbstore

import (
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/eventstore"
)

// "From position P on" reaches the port as a read after P-1, which on EventStoreDB lies inside the
// record before P: the server refuses to read there, and logs the refusal. The store remembers the
// positions of the events it recently read, received or wrote; when P is one of them, it reads
// from P straight away. A record is longer than one byte, so P-1 is then no event's position.

// seenPositions is how many event positions the store remembers.
const seenPositions = 1 << 16

// seen remembers the positions of recent events of the ledger.
type seen struct {
	c *lru.Cache[eventstore.Position, struct{}]
}

func newSeen() seen {
	c, _ := lru.New[eventstore.Position, struct{}](seenPositions) // only a size <= 0 fails
	return seen{c}
}

// add remembers that an event is at p.
func (s seen) add(p eventstore.Position) {
	if p > 0 {
		s.c.Add(p, struct{}{})
	}
}

// addAll remembers the positions of events.
func (s seen) addAll(es []eventstore.RecordedEvent) {
	for _, e := range es {
		s.add(e.Position)
	}
}

// has reports whether an event was seen at p.
func (s seen) has(p eventstore.Position) bool { return s.c.Contains(p) }
