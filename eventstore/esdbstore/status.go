package esdbstore

import (
	"sync"
)

// Status is the store's view of its connection to EventStoreDB, for /readyz and /metrics.
type Status struct {
	// Connected is true when the last request reached the server, whatever the server answered;
	// false before the first request and after a request failed to reach it.
	Connected bool `json:"connected"`
	// Reconnects counts recoveries after a connection failure: subscriptions resumed after a
	// drop, and clients replaced after the previous one could not reach any node.
	Reconnects uint64 `json:"reconnects"`
	// LastError is the last connection failure ("" if none yet). It stays after the store
	// reconnects, so that an operator can see what happened.
	LastError string `json:"last_error,omitempty"`
}

// statusBoard keeps the Status; every method is safe for concurrent use.
type statusBoard struct {
	mu sync.Mutex
	st Status
}

func (b *statusBoard) get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// reached records a request that reached the server.
func (b *statusBoard) reached() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Connected = true
}

// failed records a request that did not reach the server.
func (b *statusBoard) failed(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Connected = false
	b.st.LastError = err.Error()
}

// reconnected counts a recovery.
func (b *statusBoard) reconnected() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Reconnects++
}
