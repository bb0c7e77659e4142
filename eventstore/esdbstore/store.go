package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// Defaults of Options.
const (
	DefaultRetries           = 4
	DefaultIdempotencyWindow = 16
	DefaultMinBackoff        = 100 * time.Millisecond
	DefaultMaxBackoff        = 10 * time.Second
)

// Options tune Open. The zero value gives the defaults.
type Options struct {
	// Logger receives connection trouble: retries, dropped subscriptions, replaced clients (Warn),
	// and the client library's own messages (Debug). nil discards them.
	Logger *slog.Logger

	// Retries bounds how many times a request that failed without reaching the leader (not the
	// leader, unavailable, too slow) is sent again, with back-off. Appends are among them: they
	// carry the same event ids each time, so a copy that did land is recognised, not doubled.
	// 0 means DefaultRetries; negative means none.
	Retries int

	// IdempotencyWindow is how many of a stream's last events an append reads back to recognise
	// ids it already holds (see Append). 0 means DefaultIdempotencyWindow.
	IdempotencyWindow int

	// MinBackoff and MaxBackoff bound the exponential back-off between retries and between
	// attempts to resume a dropped subscription. 0 means the defaults.
	MinBackoff, MaxBackoff time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.IdempotencyWindow <= 0 {
		o.IdempotencyWindow = DefaultIdempotencyWindow
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	return o
}

// Store is an eventstore.Store on EventStoreDB. Create it with Open.
type Store struct {
	conf   esdb.Configuration // kept to make a new client when the current one gives up
	target string             // the connection string without credentials, for messages
	opts   Options
	log    *slog.Logger

	mu     sync.Mutex // guards client and gen, and orders Close after any replacement
	client *esdb.Client
	gen    uint64 // bumped with each new client, so that one failure replaces it only once

	closing   chan struct{}
	closeOnce sync.Once

	status statusBoard
}

var _ eventstore.Store = (*Store)(nil)

// Open returns a store on the EventStoreDB the connection string names: one node
// (esdb://host:2113?tls=false), gossip seeds of a cluster
// (esdb://node1:2113,node2:2113,node3:2113?nodePreference=leader&tlsCAFile=ca.crt), or a cluster
// found through DNS (esdb+discover://cluster.example:2113). The string is checked with
// ValidateConnString first. Open makes no request: call Ping to learn whether the server answers.
func Open(connString string, opts Options) (*Store, error) {
	if err := ValidateConnString(connString); err != nil {
		return nil, err
	}
	conf, err := esdb.ParseConnectionString(connString)
	if err != nil {
		// The client's message may quote the whole string, credentials and all.
		msg := strings.ReplaceAll(err.Error(), connString, Redact(connString))
		return nil, fmt.Errorf("%w %s: %s", ErrConnString, Redact(connString), msg)
	}
	s := newStore(*conf, Redact(connString), opts)
	if s.client, err = esdb.NewClient(&s.conf); err != nil {
		return nil, fmt.Errorf("esdbstore: %s: %w", s.target, err)
	}
	return s, nil
}

// newStore is Open without the client, which tests of the store's own logic do without.
func newStore(conf esdb.Configuration, target string, opts Options) *Store {
	opts = opts.withDefaults()
	s := &Store{target: target, opts: opts, log: opts.Logger.With("store", target), closing: make(chan struct{})}
	conf.Logger = clientLogger(s.log)
	s.conf = conf
	return s
}

// clientLogger sends the client library's messages to l at Debug: the library reports every
// cancelled call and every dropped subscription as an error, which is routine here.
func clientLogger(l *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		l.Debug("esdb client: "+fmt.Sprintf(format, args...), "client_level", level)
	}
}

// Health reports the connection's state: not connected before the first request and after a
// request failed to reach any node; reconnects count subscriptions resumed and clients replaced.
func (s *Store) Health() eventstore.Health { return s.status.get() }

var _ eventstore.HealthReporter = (*Store)(nil)

// Close closes the client. Subscriptions end with eventstore.ErrClosed; later calls fail with it.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		close(s.closing)
		if s.client != nil {
			_ = s.client.Close() // always nil
		}
	})
	return nil
}

func (s *Store) isClosed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// check is what every call does first: the caller's context, then the store's state.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return nil
}

func (s *Store) current() (*esdb.Client, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() {
		return nil, 0, eventstore.ErrClosed
	}
	return s.client, s.gen, nil
}

// renew replaces the client of generation gen with a new one. The v4 client closes itself for good
// when its node discovery gives up (after maxDiscoverAttempts), and it does not rediscover after a
// failed read call (kurrent-io/EventStore-Client-Go#190): a new client starts discovery afresh.
func (s *Store) renew(gen uint64, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() || gen != s.gen || s.client == nil {
		return
	}
	c, err := esdb.NewClient(&s.conf)
	if err != nil { // only a configuration Open already accepted can fail here
		s.log.Error("cannot make a new EventStoreDB client", "err", err)
		return
	}
	old := s.client
	s.client, s.gen = c, s.gen+1
	_ = old.Close()
	s.status.reconnected()
	s.log.Warn("replaced the EventStoreDB client to rediscover the server", "cause", why)
}

// sleep waits d, or less if ctx ends or the store closes; it reports whether the wait was full.
func (s *Store) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// call runs fn with the current client and retries, up to retries times with back-off, a failure
// another attempt may cure. fn must be safe to repeat; appends are, because they carry the same
// event ids each time. It returns fn's last error unmapped: callers decide what it means.
func (s *Store) call(ctx context.Context, op string, retries int, fn func(*esdb.Client) error) error {
	for attempt := 0; ; attempt++ {
		c, gen, err := s.current()
		if err != nil {
			return err
		}
		err = guarded(c, fn)
		if err == nil {
			s.status.reached()
			return nil
		}
		if ctx.Err() != nil || s.isClosed() {
			return err
		}
		f := classify(err)
		if f.answered() {
			s.status.reached()
		}
		if !f.retryable() {
			return err
		}
		s.status.failed(err)
		if f == failClientClosed || attempt > 0 {
			// A second failure in a row: the client may be stuck on a dead node.
			s.renew(gen, err)
		}
		if attempt >= retries {
			return err
		}
		d := backoff(attempt, s.opts.MinBackoff, s.opts.MaxBackoff)
		s.log.Warn("EventStoreDB request failed, retrying", "op", op, "attempt", attempt+1, "retry_in", d, "err", err)
		if !s.sleep(ctx, d) {
			return err
		}
	}
}

// guarded runs fn, turning a panic of the client library into an error: a bug there should fail
// one request, not the ledger.
func guarded(c *esdb.Client, fn func(*esdb.Client) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("esdbstore: the EventStoreDB client failed: %v", r)
		}
	}()
	return fn(c)
}

// Ping reads the newest event of $all, which shows that the server answers and that the
// credentials may read the global log, and checks that the server is 22.6 or later (earlier ones
// send no positions with stream reads).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var version *esdb.ServerVersion
	err := s.call(ctx, "ping", s.opts.Retries, func(c *esdb.Client) error {
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
		if err != nil {
			return err
		}
		defer rs.Close()
		for {
			if _, err := rs.Recv(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return err
			}
		}
		version, err = c.GetServerVersion()
		return err
	})
	if err != nil {
		return s.portError(ctx, "ping "+s.target, err)
	}
	if !versionSupported(version.Major, version.Minor) {
		return fmt.Errorf("esdbstore: %s runs EventStoreDB %d.%d.%d; 22.6 or later is needed", s.target, version.Major, version.Minor, version.Patch)
	}
	return nil
}

// versionSupported reports whether a server version sends what the store needs. 0.0 is a server
// too old to tell its version.
func versionSupported(major, minor int) bool {
	return major > 22 || major == 22 && minor >= 6
}
