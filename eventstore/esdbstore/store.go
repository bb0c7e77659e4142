package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// Defaults of Options.
const (
	DefaultRetries           = 4
	DefaultIdempotencyWindow = 16
	DefaultMinBackoff        = 100 * time.Millisecond
	DefaultMaxBackoff        = 10 * time.Second
	DefaultRequestTimeout    = 10 * time.Second
	DefaultProbeInterval     = 2 * time.Second
	DefaultProbeTimeout      = 2 * time.Second
	DefaultMaxAppendSize     = 1 << 20 // the server's own default (MaxAppendSize)
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

	// IdempotencyWindow is how many of a stream's last events an append reads back, after a
	// conflict or before an append without an exact expectation, to recognise ids it already
	// holds (see Append). 0 means DefaultIdempotencyWindow.
	IdempotencyWindow int

	// MinBackoff and MaxBackoff bound the exponential back-off between retries and between
	// attempts to resume a dropped subscription. 0 means the defaults.
	MinBackoff, MaxBackoff time.Duration

	// RequestTimeout bounds each attempt of a request: the wait for the client to find a node and
	// the request itself, a page of a read included, and the start of a subscription. The caller's
	// own deadline is kept when it is sooner. 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// ProbeInterval is how old what the store knows of its connection may be before Health asks
	// the server again, bounded by ProbeTimeout. 0 means the defaults.
	ProbeInterval, ProbeTimeout time.Duration

	// MaxAppendSize is the largest append sent, measured as the server measures it (AppendSize);
	// a larger one is refused with eventstore.ErrTooLarge without being sent. Set it to the
	// server's MaxAppendSize when that is not the default. 0 means DefaultMaxAppendSize.
	MaxAppendSize int

	// StreamPrefix goes before every stream name the store writes and reads on the server, so that
	// several ledgers can share one server: ReadAll, Subscribe and Head then show only the streams
	// that have it followed by a name without '.', named without it. It must end with '.' (see
	// separator). Every process and command on one ledger must use the same. The connection
	// string's streamPrefix option sets it too. "" means none.
	StreamPrefix string
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
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.MaxAppendSize <= 0 {
		o.MaxAppendSize = DefaultMaxAppendSize
	}
	return o
}

// Store is an eventstore.Store on EventStoreDB. Create it with Open.
type Store struct {
	conf   esdb.Configuration // kept to make a new client when the current one gives up
	target string             // the connection string without credentials, for messages
	opts   Options
	log    *slog.Logger
	names  names // the ledger's stream names on the server

	mu      sync.Mutex // guards cur, the clients' counts and states, and retired
	cur     *client
	retired map[*client]struct{} // replaced clients that requests still use
	misses  atomic.Int32         // requests in a row that got no answer

	closing   chan struct{}
	closeOnce sync.Once

	status  statusBoard
	probeMu sync.Mutex // one probe at a time
	tops    *tops      // the newest ids of recently used streams, for Append's look
	seen    seen       // positions of recent events, for ReadAll from an event's position
}

// client is one esdb.Client and the requests using it. A client that is replaced is closed only
// once the last of them has ended: closing it closes its connection under them.
//
// The client finds a node on the first request, and again after one failed unavailable; the
// requests that come meanwhile queue inside it, whatever their contexts. If it gives up, it closes
// itself and those requests wait for ever, unless the client is closed under them, which makes
// them panic inside it. So while a client has no node (not found), one request at a time, the
// pilot, has it find one; the others wait for it here, where their contexts apply.
type client struct {
	c    *esdb.Client
	gen  uint64 // bumped with each new client, so that one failure replaces it only once
	uses int    // requests and subscriptions running on it
	// found: it has a node. Else piloting tells whether a request is having it find one, and
	// landed is closed when that request is done.
	found, piloting bool
	landed          chan struct{}
	// dead: it closed itself (its node discovery gave up): closed at once when replaced.
	dead, retired, closed bool
}

func newClient(c *esdb.Client, gen uint64) *client {
	return &client{c: c, gen: gen, landed: make(chan struct{})}
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
	if p := streamPrefixOption(connString); p != "" {
		if opts.StreamPrefix != "" && opts.StreamPrefix != p {
			return nil, fmt.Errorf("%w %s: streamPrefix=%s, but the store was also given the prefix %q", ErrConnString, Redact(connString), p, opts.StreamPrefix)
		}
		opts.StreamPrefix = p
	}
	if opts.StreamPrefix != "" {
		if err := checkStreamPrefix(opts.StreamPrefix); err != nil {
			return nil, fmt.Errorf("esdbstore: stream prefix %q %w", opts.StreamPrefix, err)
		}
	}
	conf, err := esdb.ParseConnectionString(withoutStreamPrefix(connString))
	if err != nil {
		// The client's message may quote the whole string, credentials and all.
		msg := strings.ReplaceAll(err.Error(), connString, Redact(connString))
		return nil, fmt.Errorf("%w %s: %s", ErrConnString, Redact(connString), msg)
	}
	s := newStore(*conf, Redact(connString), opts)
	c, err := esdb.NewClient(&s.conf)
	if err != nil {
		return nil, fmt.Errorf("esdbstore: %s: %w", s.target, err)
	}
	s.cur = newClient(c, 0)
	return s, nil
}

// newStore is Open without the client, which tests of the store's own logic do without.
func newStore(conf esdb.Configuration, target string, opts Options) *Store {
	opts = opts.withDefaults()
	s := &Store{target: target, opts: opts, names: names{opts.StreamPrefix}, log: opts.Logger.With("store", target), closing: make(chan struct{}), retired: map[*client]struct{}{}, tops: newTops(), seen: newSeen()}
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

var _ eventstore.HealthReporter = (*Store)(nil)

// Close closes the store. Requests in flight end with eventstore.ErrClosed, subscriptions too;
// later calls fail with it. Each client is closed once the last request on it has ended (at once
// when none runs), since closing it under a request waiting for a node makes that request panic
// in the client.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		close(s.closing)
		if s.cur != nil {
			s.cur.retired = true
			s.retired[s.cur] = struct{}{}
		}
		for c := range s.retired {
			if c.uses == 0 || c.dead {
				s.shut(c)
			}
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

// acquire returns the current client, counted as used until release, once it has a node or this
// request is the pilot that has it find one (see client).
func (s *Store) acquire(ctx context.Context) (c *client, pilot bool, err error) {
	for {
		s.mu.Lock()
		if s.isClosed() || s.cur == nil {
			s.mu.Unlock()
			return nil, false, eventstore.ErrClosed
		}
		c = s.cur
		if c.found || !c.piloting {
			pilot = !c.found
			c.piloting = c.piloting || pilot
			c.uses++
			s.mu.Unlock()
			return c, pilot, nil
		}
		landed := c.landed
		s.mu.Unlock()
		select {
		case <-landed:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-s.closing:
			return nil, false, eventstore.ErrClosed
		}
	}
}

// findNode has the client find a node, for a pilot (it asks for the version of the node it is
// connected to, which the client learns as it connects), and lets the requests waiting for it go
// on. A client that fails to find one has closed itself.
func (s *Store) findNode(c *client) error {
	_, err := guardedValue(c.c.GetServerVersion)
	s.mu.Lock()
	defer s.mu.Unlock()
	c.found = err == nil
	c.dead = c.dead || err != nil
	c.piloting = false
	close(c.landed)
	if !c.found {
		c.landed = make(chan struct{})
	}
	return err
}

// lost records that a request on c got no answer: the client may look for a node again, alone.
func (s *Store) lost(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.found {
		c.found = false
		c.landed = make(chan struct{})
	}
}

// release ends a use of c, closing it if it was replaced and this was the last use.
func (s *Store) release(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.uses--
	if c.retired && c.uses == 0 {
		s.shut(c)
	}
}

// shut closes c; s.mu is held.
func (s *Store) shut(c *client) {
	if !c.closed {
		c.closed = true
		_ = c.c.Close() // always nil
	}
	delete(s.retired, c)
}

// markDead records that c closed itself; a replaced dead client is closed at once, which ends the
// requests waiting in it (they fail, and are retried on the new client).
func (s *Store) markDead(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.dead = true
	if c.retired {
		s.shut(c)
	}
}

// renew replaces the client of generation gen with a new one. The v4 client closes itself for good
// when its node discovery gives up (after maxDiscoverAttempts), and it does not rediscover after a
// failed read call (kurrent-io/EventStore-Client-Go#190): a new client starts discovery afresh.
// The old client stays open for the requests and subscriptions running on it, unless it is dead.
func (s *Store) renew(gen uint64, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() || s.cur == nil || gen != s.cur.gen {
		return
	}
	c, err := esdb.NewClient(&s.conf)
	if err != nil { // only a configuration Open already accepted can fail here
		s.log.Error("cannot make a new EventStoreDB client", "err", err)
		return
	}
	old := s.cur
	s.cur = newClient(c, old.gen+1)
	old.retired = true
	s.retired[old] = struct{}{}
	if old.uses == 0 || old.dead {
		s.shut(old)
	}
	s.misses.Store(0)
	s.status.reconnected()
	s.log.Warn("replaced the EventStoreDB client to rediscover the server", "cause", why, "requests_left_on_old_client", old.uses)
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

// leaderContext asks for the leader on every request. The v4 client means to send requires-leader
// itself, but puts it in the incoming metadata of the call's context, which gRPC never sends; a
// follower then answers reads from its own, possibly older, copy of the log. Sent, the header makes
// a follower refuse with the leader's address, which the client reconnects to.
func leaderContext(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "requires-leader", "true")
}

// errNoAnswer is an attempt that had no answer within Options.RequestTimeout.
func errNoAnswer(d time.Duration) error {
	return status.Errorf(codes.DeadlineExceeded, "esdbstore: no answer within %s", d)
}

// call runs fn with the current client and retries, up to retries times with back-off, a failure
// another attempt may cure. fn must be safe to repeat; appends are, because they carry the same
// event ids each time. It returns fn's last error unmapped: callers decide what it means.
//
// A request cut short (see failCutShort) is sent once more whatever retries says: a size refusal
// cuts it short again, a dropped connection does not, and nothing else tells them apart.
func (s *Store) call(ctx context.Context, op string, retries int, fn func(context.Context, *esdb.Client) error) error {
	cutShort := false
	for attempt := 0; ; attempt++ {
		c, err := s.attempt(ctx, fn)
		if err == nil {
			s.answered()
			return nil
		}
		if ctx.Err() != nil || s.isClosed() {
			return err
		}
		f := s.observe(c, err)
		switch {
		case f == failCutShort && !cutShort:
			cutShort = true
		case !f.retryable() || attempt >= retries:
			return err
		}
		d := backoff(attempt, s.opts.MinBackoff, s.opts.MaxBackoff)
		s.log.Warn("EventStoreDB request failed, retrying", "op", op, "attempt", attempt+1, "retry_in", d, "err", err)
		if !s.sleep(ctx, d) {
			return err
		}
	}
}

// attempt runs fn once on the current client, for at most Options.RequestTimeout, and returns
// the client it ran on (nil if it got none in time). The client waits for a node without looking
// at any context (up to maxDiscoverAttempts × gossipTimeout), so fn runs on its own goroutine,
// left behind when the time is up: with its context done, it ends as soon as the client lets it.
func (s *Store) attempt(ctx context.Context, fn func(context.Context, *esdb.Client) error) (*client, error) {
	actx, cancel := context.WithTimeout(leaderContext(ctx), s.opts.RequestTimeout)
	defer cancel()
	c, pilot, err := s.acquire(actx)
	if err != nil {
		return nil, s.noAnswer(ctx)
	}
	done := make(chan error, 1)
	go func() {
		defer s.release(c)
		if pilot {
			if err := s.findNode(c); err != nil {
				done <- err
				return
			}
		}
		done <- guarded(func() error { return fn(actx, c.c) })
	}()
	select {
	case err := <-done:
		return c, err
	case <-actx.Done():
	case <-s.closing:
	}
	select {
	case err := <-done: // finished as the time ran out: its answer stands
		return c, err
	default:
	}
	return c, s.noAnswer(ctx)
}

// noAnswer is what an attempt that ran out of time returns: the caller's own error, ErrClosed, or
// errNoAnswer.
func (s *Store) noAnswer(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return errNoAnswer(s.opts.RequestTimeout)
}

// answered records a request the server answered.
func (s *Store) answered() {
	s.misses.Store(0)
	s.status.reached()
}

// observe records what a failed request on c (nil: it got no client in time) says of the
// connection, replaces the client when it is of no more use, and returns what the failure is.
func (s *Store) observe(c *client, err error) failure {
	f := classify(err)
	if f == failCutShort {
		return f // a refusal or a dropped connection: the second attempt tells
	}
	if f.answered() {
		s.answered()
		return f
	}
	s.unanswered(c, f, err)
	return f
}

// unanswered records a request on c that got no answer: the client is replaced when it closed
// itself, or after a second such request in a row, since it may be stuck on a dead node; else the
// next request has it look for its node again, alone.
func (s *Store) unanswered(c *client, f failure, err error) {
	s.status.failed(err)
	if c == nil {
		return // it waited for another request finding a node; that one tells
	}
	if f == failClientClosed || s.isDead(c) {
		s.markDead(c)
		s.renew(c.gen, err)
		return
	}
	s.lost(c)
	if s.misses.Add(1) >= 2 {
		s.renew(c.gen, err)
	}
}

func (s *Store) isDead(c *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.dead
}

// guarded runs fn, turning a panic of the client library into an error: a bug there should fail
// one request, not the ledger.
func guarded(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = clientPanic{r}
		}
	}()
	return fn()
}

// guardedValue is guarded for a function with a result.
func guardedValue[T any](fn func() (T, error)) (v T, err error) {
	err = guarded(func() error {
		var ferr error
		v, ferr = fn()
		return ferr
	})
	return v, err
}

// Ping reads the newest event of $all, which shows that the server answers and that the
// credentials may read the global log, and checks that the server is 22.6 or later (earlier ones
// send no positions with stream reads).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var version *esdb.ServerVersion
	err := s.call(ctx, "ping", s.opts.Retries, func(ctx context.Context, c *esdb.Client) error {
		if err := readNewest(ctx, c); err != nil {
			return err
		}
		var err error
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

// readNewest reads the newest event of $all: the least a request can ask of the server.
func readNewest(ctx context.Context, c *esdb.Client) error {
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		return err
	}
	defer rs.Close()
	for {
		if _, err := rs.Recv(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// versionSupported reports whether a server version sends what the store needs. 0.0 is a server
// too old to tell its version.
func versionSupported(major, minor int) bool {
	return major > 22 || major == 22 && minor >= 6
}
