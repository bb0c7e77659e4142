// Package esdbstore is the eventstore.Store port on EventStoreDB (22.6 or later; the compose file
// runs 24.10), through the official Go client github.com/EventStore/EventStore-Client-Go/v4.
//
// # Mapping
//
//   - A ledger stream is an EventStoreDB stream of the same name, after Options.StreamPrefix when
//     one is set (the connection string's streamPrefix option, ending with '.', which no ledger
//     stream name has), so that ledgers can share a server; revisions are event numbers.
//   - An event keeps the ledger's id as its EventStoreDB id, its type, its data (marked JSON when it
//     is) and its metadata (user metadata, stored as given), so hashes recompute unchanged.
//   - The global log is $all without the server's own events ($-prefixed types and streams) and,
//     with a prefix, without the streams that lack it. A
//     position is the event's commit position: strictly increasing in commit order, never 0, but a
//     byte offset, so not contiguous (see position.go). ReadAll and Subscribe take 0 or a position
//     the store returned; ReadAll also takes one less than an event's position ("from P on"),
//     which costs it one refused read. Any other position is eventstore.ErrInvalidPosition.
//   - Expected revisions map one to one (Any, NoStream, StreamExists, Exact), and the server's
//     wrong-expected-version answer becomes *eventstore.ConflictError with the stream's revision.
//   - An append over Options.MaxAppendSize (AppendSize, as the server counts) is
//     eventstore.ErrTooLarge, and so is the server's own refusal for size.
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
// Every request asks for the leader (requires-leader, which the v4 client means to send but does
// not), so a follower sends the client on to the leader instead of answering from its copy; a
// subscription a follower ends that way after confirming it has the store send the client there
// (see Store.toLeader), which the v4 client does not do for subscriptions. Each
// attempt is bounded by Options.RequestTimeout and the caller's deadline, the client's wait for a
// node included; while the client looks for a node, one request at a time has it look (see
// client in store.go). Requests that get no answer, or that a follower or a busy server turns away, are
// retried a bounded number of times with back-off (Options.Retries); a size refusal never is, and an
// append ended while being sent is sent once more, to tell a refusal from a dropped connection. The
// client is replaced when it has given up discovering a node, which the v4 client never recovers
// from by itself, or after two requests in a row got no answer; the old one stays open for the
// requests and subscriptions running on it. Subscriptions resume after drops for as long as their
// consumer wants events. Health reports the connection for /readyz and /metrics, asking the
// server itself when nothing else has lately.
//
// # Tests
//
// Everything that needs no server is tested here: the store's own logic directly, and its use of
// the real client against an in-process stub of the server's gRPC API (stub_test.go; the tests
// named TestStub…), which checks what the store sends and how it maps each answer, not how the
// server behaves. The contract suite (storetest) runs against a real server only when
// LEDGER_TEST_ESDB holds a connection string; without it those tests skip.
package esdbstore
