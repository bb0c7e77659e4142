// Package boltstore is the embedded event store: the eventstore.Store port on a single bbolt file,
// for a ledger that must run without any server beside it.
//
// # Layout
//
// One bbolt file holds five buckets. The events themselves are written once, in the events bucket;
// everything else is an index that could be rebuilt from it.
//
//   - events: 8-byte big-endian position -> record (see record.go). Positions are 1, 2, 3, … with no
//     gap, so the global log is this bucket in key order and ReadAll/Subscribe are a cursor seek
//     plus a scan. Keys only ever grow, so pages are split nearly full (FillPercent 1.0): a page
//     left behind a split is never written again and half-empty pages would only waste disk.
//   - names: stream name -> 8-byte big-endian stream number, given in the order of the streams'
//     first events. Written once a stream; an append to an existing stream only reads it.
//   - streams: stream number + 8-byte big-endian revision -> position, so that ReadStream seeks
//     straight to (stream, from) and scans. A stream's last key is its head, which the
//     expected-revision check of an append finds by seeking to the next number's first key and
//     stepping back; the index's last key is the newest stream's, whose number + 1 is the next.
//   - ids: 16-byte event id -> position, so that a retried append is recognised (idempotency) and
//     an id used elsewhere is refused, without scanning.
//   - meta: the format marker, which keeps Open from adopting some other bbolt file, the format
//     version, and the last position, cross-checked against the events bucket at Open.
//
// Streams are keyed by number rather than by name because the names of plan streams are UUIDs:
// format 1 keyed them by name, with a heads index by name beside them, so every append put keys at
// random places in two large trees and a commit rewrote about a hundred pages; by number, the
// streams being written to are the newest ones, whose keys sit together at the end of the index
// (docs/performance.md). Open upgrades a format 1 file in one transaction, after keeping a copy of
// it (Store.Format1Copy), rebuilding names and streams from its streams index (upgrade.go).
//
// # Writes
//
// A single writer goroutine owns every read-write transaction. It takes whatever appends are
// queued, applies them one after the other in one transaction, each checked against the state the
// previous ones left, and commits once: one fsync acknowledges the whole batch. Batches form while
// the previous commit is syncing, so a lone append pays one fsync and a crowd shares them. bbolt's
// own DB.Batch is not used because one failing function there re-runs or fails its neighbours;
// here a refused append (conflict, duplicate id) simply writes nothing and the rest go on.
//
// Reads use short read-only transactions, which never wait for the writer. bbolt does make a
// commit that grows the file wait for open read transactions to end (it remaps the file), which is
// why reads are paged and only Backup holds a long one.
package boltstore
