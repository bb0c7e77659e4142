// Package compat proves that logs written by earlier versions of the ledger still read. Each
// testdata/fixture-v<N> directory holds a small log written by the code of schema version N (the
// embedded store's file, and the same events as JSON lines) and what the projections made of it
// then. The tests replay every fixture through today's code: a change to the store format, the hash
// chain, the event shapes or the upcasters that breaks an old log fails here.
//
// The package has no code of its own; it sits above every layer it exercises.
package compat
