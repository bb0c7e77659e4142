package eventstore

// StreamChanges is a Store that can tell, without reading, that a stream has had no event
// committed since a position: a store that sees every append made to its data, as the embedded
// store does, holding its file exclusively. The command handler uses it to skip re-reading a stream
// it already holds folded before each command; a store without it is read every time.
type StreamChanges interface {
	// ChangeMark returns a position such that every event at or before it is visible to reads
	// started after ChangeMark returns, and is reported by ChangedSince.
	ChangeMark() Position
	// ChangedSince reports whether an event of stream may have been committed after pos. false
	// means none was; true may be a false alarm (streams share what is remembered of them).
	ChangedSince(stream string, pos Position) bool
}
