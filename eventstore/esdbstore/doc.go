// Package esdbstore is the eventstore.Store port on EventStoreDB (22.6 or later; the compose file
// runs 24.10), through the official Go client github.com/EventStore/EventStore-Client-Go/v4.
//
// # Mapping
//
//   - A ledger stream is an EventStoreDB stream of the same name; revisions are event numbers.
//   - An event keeps the ledger's id as its EventStoreDB id, its type, its data (marked JSON when it
//     is) and its metadata (user metadata, stored as given), so hashes recompute unchanged.
//   - The global log is $all without the server's own events ($-prefixed types and streams). A
//     position is the event's commit position: strictly increasing in commit order, never 0, but a
//     byte offset, so not contiguous (see position.go). ReadAll and Subscribe take 0 or a position
//     the store returned.
//   - Expected revisions map one to one (Any, NoStream, StreamExists, Exact), and the server's
//     wrong-expected-version answer becomes *eventstore.ConflictError with the stream's revision.
//
// # Idempotency
//
// A retried append is recognised by its event ids, as the port requires; Append explains where the
// store looks, because the server alone does not look everywhere. What EventStoreDB cannot give is
// the port's refusal of an id already stored in another stream (ErrDuplicateEventID): it keeps no
// index of event ids, and one maintained beside it could not be written atomically with the
// events. The ledger never reuses an id (each is a fresh UUIDv7), so this only matters for a
// caller that would; the contract suite declares the gap (storetest.GlobalEventIDs) instead of
// hiding it.
//
// # Resilience
//
// Requests that fail without reaching the leader (not the leader, unavailable, too slow) are
// retried a bounded number of times with back-off (Options.Retries); the client is replaced when
// it has given up discovering a node, which the v4 client never recovers from by itself.
// Subscriptions resume after drops for as long as their consumer wants events. Status reports the
// connection for /readyz and /metrics.
//
// # Tests
//
// Everything that needs no server is unit-tested here. The contract suite (storetest) runs against
// a real server only when LEDGER_TEST_ESDB holds a connection string; without it those tests skip.
package esdbstore
