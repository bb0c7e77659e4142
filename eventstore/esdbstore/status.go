package esdbstore

import (
	"sync"

	"assurance-ledger/eventstore"
)

// statusBoard keeps the store's eventstore.Health; every method is safe for concurrent use.
type statusBoard struct {
	mu sync.Mutex
	st eventstore.Health
}

func (b *statusBoard) get() eventstore.Health {
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
