package esdbstore

import (
	"sync"
	"time"

	"assurance-ledger/eventstore"
)

// statusBoard keeps the store's eventstore.Health and when it was last learnt; every method is
// safe for concurrent use.
type statusBoard struct {
	mu   sync.Mutex
	st   eventstore.Health
	seen time.Time // when a request last reached the server or failed to
}

func (b *statusBoard) get() eventstore.Health {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

// stale reports whether nothing was learnt of the connection for longer than d.
func (b *statusBoard) stale(d time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Since(b.seen) > d
}

// reached records a request the server answered, whatever it answered.
func (b *statusBoard) reached() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Connected = true
	b.seen = time.Now()
}

// failed records a request that got no answer from the server.
func (b *statusBoard) failed(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Connected = false
	b.st.LastError = err.Error()
	b.seen = time.Now()
}

// noted records a failure the server answered: the connection stands.
func (b *statusBoard) noted(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.LastError = err.Error()
}

// reconnected counts a recovery.
func (b *statusBoard) reconnected() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st.Reconnects++
}
