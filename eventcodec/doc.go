// Package eventcodec is the stored form of the ledger's events: the JSON of their data and
// metadata, its canonical form (RFC 8785), the per-stream hash chain taken over it, the hash of a
// plan version's content that sign-offs name, upcasting of older shapes, and reading all of it back
// fast enough to replay millions of events.
//
// What it does for each event type is generated from the types themselves (zz_generated.go, by
// TestGeneratedCodeIsCurrent with -update: see `go generate`), from the registrations in
// domain.Events: a shape reader for the JSON the ledger writes, a writer of that JSON, and a
// writer of its canonical form. Everything generated is held to a general path that defines it
// (encoding/json for the JSON, the canonicaliser for the canonical form) by tests over every
// registered type with every field set, and by fuzzing.
//
// Nothing here decides a rule: the domain knows nothing of bytes, and the store nothing of events.
package eventcodec

//go:generate go test -run TestGeneratedCodeIsCurrent -update .
