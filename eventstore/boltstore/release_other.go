//go:build !linux

package boltstore

// ReleaseMapped does nothing outside Linux, where the ledger is not measured.
func (s *Store) ReleaseMapped() error { return nil }
