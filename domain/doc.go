// Package domain holds the rules of NHS informatics plan governance (Informatics Planning 2009-10):
// the organisation registry and the plan aggregates, their events, and the decisions that turn a
// command into an event or a typed refusal.
//
// The package is pure. It performs no I/O and reads no clock: the time a command is decided at is an
// argument, and state is a fold over events. Canonical JSON and the per-stream hash chain live here
// too, because what a signature or a hash covers is part of the rules.
//
// Registry.Decide and Plan.Decide take state and a command and return either the event to record or
// a *Error. Every *Error is a copy of one of the exported sentinels (errors.Is matches by Code), with
// a Kind a transport maps to a status code and, for malformed commands, every offending field by its
// JSON path. Decide never changes state: the caller applies the event after it is durably stored.
// Apply folds an event and refuses one that does not fit the history, leaving the state unchanged.
package domain
