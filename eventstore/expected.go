package eventstore

import "fmt"

// ExpectedRevision states what the caller believes a stream's revision to be before an append.
type ExpectedRevision struct {
	kind     expectedKind
	revision uint64
}

type expectedKind uint8

const (
	// kindUnset is the zero value: an append must say what it expects, so that a forgotten
	// expectation is refused rather than silently skipping the concurrency check.
	kindUnset expectedKind = iota
	kindAny
	kindNoStream
	kindStreamExists
	kindExact
)

var (
	// Any accepts the stream in any state: no concurrency check.
	Any = ExpectedRevision{kind: kindAny}
	// NoStream requires that the stream has no events yet.
	NoStream = ExpectedRevision{kind: kindNoStream}
	// StreamExists requires that the stream has at least one event.
	StreamExists = ExpectedRevision{kind: kindStreamExists}
)

// Exact requires that the stream's last event has the given revision.
func Exact(revision uint64) ExpectedRevision {
	return ExpectedRevision{kind: kindExact, revision: revision}
}

// Revision returns the exact revision expected and true, or false when the expectation is not exact.
func (e ExpectedRevision) Revision() (uint64, bool) { return e.revision, e.kind == kindExact }

// IsAny, IsNoStream and IsStreamExists tell which non-exact expectation this is.
func (e ExpectedRevision) IsAny() bool          { return e.kind == kindAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == kindNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == kindStreamExists }

// IsSet reports whether e is one of the expectations above rather than the zero value.
func (e ExpectedRevision) IsSet() bool { return e.kind != kindUnset }

// Satisfied reports whether a stream whose last revision is last (exists false: no events) meets e.
func (e ExpectedRevision) Satisfied(last uint64, exists bool) bool {
	switch e.kind {
	case kindAny:
		return true
	case kindNoStream:
		return !exists
	case kindStreamExists:
		return exists
	case kindExact:
		return exists && last == e.revision
	default:
		return false
	}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case kindAny:
		return "any"
	case kindNoStream:
		return "no stream"
	case kindStreamExists:
		return "stream exists"
	case kindUnset:
		return "unset"
	default:
		return fmt.Sprintf("revision %d", e.revision)
	}
}
