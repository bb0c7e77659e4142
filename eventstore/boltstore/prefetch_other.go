//go:build !linux

package boltstore

// prefetch does nothing outside Linux, where the ledger is not measured.
func (s *Store) prefetch() {}
