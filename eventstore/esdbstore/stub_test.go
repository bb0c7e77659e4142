package esdbstore

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	features "github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The stub is an in-process stand-in for the parts of EventStoreDB's gRPC API the store uses
// (Streams.Read, Streams.Append, ServerFeatures), so that tests can drive the real v4 client
// against it and check what the store sends (the leader header, deadlines, how much it reads) and
// how it maps each answer (refusals, "not leader", silence, closed connections). It keeps a log in
// memory with byte-offset positions, as the server does, and answers as the server's code answers
// (RpcExceptions, Streams.Append, the $all enumerators) where the store depends on it. It is not
// EventStoreDB: these tests show the store's handling of answers, not the server's behaviour,
// which only the contract suite against a real server (LEDGER_TEST_ESDB) shows.

// stubEvent is a record of the stub's log.
type stubEvent struct {
	id       uuid.UUID
	stream   string
	revision uint64
	pos      uint64
	typ      string
	json     bool
	data     []byte
	meta     []byte
}

// stubLog is $all and its streams. Nodes may share one (a cluster) or hold their own (a follower
// that lags).
type stubLog struct {
	mu      sync.Mutex
	all     []*stubEvent
	streams map[string][]*stubEvent
	next    uint64        // position of the next record
	grew    chan struct{} // closed and replaced at each append, for subscriptions
}

func newStubLog() *stubLog {
	// The log opens with the server's own records, as EventStoreDB's does: an epoch record, which
	// is no event (so no event is at position 0), then an event of its own.
	l := &stubLog{streams: map[string][]*stubEvent{}, grew: make(chan struct{}), next: 128}
	l.add("$epochs", "$epoch-information", []byte(`{}`))
	return l
}

// add stores one event at the end of stream, outside any expectation.
func (l *stubLog) add(stream, typ string, data []byte) *stubEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addLocked(stream, uuid.New(), typ, true, data, nil)
}

func (l *stubLog) addLocked(stream string, id uuid.UUID, typ string, isJSON bool, data, meta []byte) *stubEvent {
	e := &stubEvent{id: id, stream: stream, revision: uint64(len(l.streams[stream])), pos: l.next, typ: typ, json: isJSON, data: data, meta: meta}
	// Positions are byte offsets: a record takes its header and its payload.
	l.next += 128 + uint64(len(typ)+len(data)+len(meta))
	l.all = append(l.all, e)
	l.streams[stream] = append(l.streams[stream], e)
	close(l.grew)
	l.grew = make(chan struct{})
	return e
}

func (l *stubLog) stream(name string) []*stubEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*stubEvent(nil), l.streams[name]...)
}

// index returns where a read of $all at position p starts: the record at p, or the end when p is
// the log's end; ok is false for a position inside a record, which the server refuses.
func (l *stubLog) index(p uint64) (int, bool) {
	if p == l.next {
		return len(l.all), true
	}
	for i, e := range l.all {
		if e.pos == p {
			return i, true
		}
	}
	return 0, false
}

// stubCall is one request a node received.
type stubCall struct {
	method   string // "read stream", "read all", "subscribe", "append", "features"
	leader   bool   // it carried requires-leader: true
	deadline bool   // it carried a deadline
	stream   string
	count    uint64
	ctx      context.Context
}

// stubNode is one server. hook, if set, runs first on each request: an error it returns is the
// answer (it may set trailers with grpc.SetTrailer, as the server's not-leader answer does).
type stubNode struct {
	api.UnimplementedStreamsServer
	features.UnimplementedServerFeaturesServer

	log           *stubLog
	addr          string
	srv           *grpc.Server
	maxAppendSize int // 0: no limit
	// badReadResult is the ReadAllResult the node names when asked to read $all from a position
	// inside a record: "" is InvalidPosition; the server may also say Error (see readAllResult).
	badReadResult string

	mu    sync.Mutex
	calls []stubCall
	sent  map[string]int // events sent, by method
	hook  func(stubCall) error
	// confirmedHook, if set, runs on a subscription once it is confirmed, where the server's
	// catch-up read runs (Enumerator.AllSubscription): an error it returns ends the subscription,
	// as a follower's not-leader answer to that read does.
	confirmedHook func(stubCall) error
}

// startStub serves a node on a local port until the test ends.
func startStub(t *testing.T, log *stubLog) *stubNode {
	t.Helper()
	return startStubWith(t, log)
}

// startStubWith is startStub with options for the stub's gRPC server.
func startStubWith(t *testing.T, log *stubLog, opts ...grpc.ServerOption) *stubNode {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	n := &stubNode{log: log, addr: l.Addr().String(), srv: grpc.NewServer(opts...)}
	api.RegisterStreamsServer(n.srv, n)
	features.RegisterServerFeaturesServer(n.srv, n)
	go func() { _ = n.srv.Serve(l) }()
	t.Cleanup(n.srv.Stop)
	return n
}

// connString is a connection string to the node alone, discovering it once.
func (n *stubNode) connString() string {
	return "esdb://" + n.addr + "?tls=false&maxDiscoverAttempts=1&discoveryInterval=1&gossipTimeout=1"
}

// open opens a store on the node, closed when the test ends.
func (n *stubNode) open(t *testing.T, opts Options) *Store {
	t.Helper()
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = time.Millisecond, 4*time.Millisecond
	}
	s, err := Open(n.connString(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (n *stubNode) setHook(h func(stubCall) error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hook = h
}

// received returns the requests received so far, those for features lookups left out.
func (n *stubNode) received() []stubCall {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []stubCall
	for _, c := range n.calls {
		if c.method != "features" {
			out = append(out, c)
		}
	}
	return out
}

func (n *stubNode) count(method string) int {
	k := 0
	for _, c := range n.received() {
		if c.method == method {
			k++
		}
	}
	return k
}

// eventsSent returns how many events the node has sent in answer to requests of method.
func (n *stubNode) eventsSent(method string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sent[method]
}

func (n *stubNode) send(srv api.Streams_ReadServer, method string, evs []*stubEvent) error {
	n.mu.Lock()
	if n.sent == nil {
		n.sent = map[string]int{}
	}
	n.sent[method] += len(evs)
	n.mu.Unlock()
	return sendAll(srv, evs)
}

// begin records a request and runs the hook.
func (n *stubNode) begin(ctx context.Context, method, stream string, count uint64) error {
	return n.answer(n.record(ctx, method, stream, count))
}

// record records a request.
func (n *stubNode) record(ctx context.Context, method, stream string, count uint64) stubCall {
	md, _ := metadata.FromIncomingContext(ctx)
	_, hasDeadline := ctx.Deadline()
	c := stubCall{method: method, stream: stream, count: count, ctx: ctx, deadline: hasDeadline,
		leader: len(md.Get("requires-leader")) > 0 && md.Get("requires-leader")[0] == "true"}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, c)
	return c
}

// answer runs the hook on a recorded request.
func (n *stubNode) answer(c stubCall) error {
	n.mu.Lock()
	hook := n.hook
	n.mu.Unlock()
	if hook != nil {
		return hook(c)
	}
	return nil
}

func (n *stubNode) GetSupportedMethods(ctx context.Context, _ *shared.Empty) (*features.SupportedMethods, error) {
	if err := n.begin(ctx, "features", "", 0); err != nil {
		return nil, err
	}
	return &features.SupportedMethods{EventStoreServerVersion: "24.10.0"}, nil
}

// notLeader is the server's answer to a request that needs the leader, sent to a follower
// (RpcExceptions.LeaderInfo): the client reconnects to the node it names.
func notLeader(ctx context.Context, leader *stubNode) error {
	host, port, _ := net.SplitHostPort(leader.addr)
	_ = grpc.SetTrailer(ctx, metadata.Pairs("exception", "not-leader", "leader-endpoint-host", host, "leader-endpoint-port", port))
	return status.Error(codes.NotFound, "Leader info available")
}

func (n *stubNode) Read(req *api.ReadReq, srv api.Streams_ReadServer) error {
	o := req.GetOptions()
	ctx := srv.Context()
	if so := o.GetStream(); so != nil {
		name := string(so.GetStreamIdentifier().GetStreamName())
		if err := n.begin(ctx, "read stream", name, o.GetCount()); err != nil {
			return err
		}
		return n.readStream(srv, name, so, o)
	}
	method := "read all"
	if o.GetSubscription() != nil {
		method = "subscribe"
	}
	call := n.record(ctx, method, "$all", o.GetCount())
	if err := n.answer(call); err != nil {
		return err
	}
	if o.GetSubscription() != nil {
		return n.subscribe(srv, call, o.GetAll())
	}
	return n.readAll(srv, o)
}

func (n *stubNode) readStream(srv api.Streams_ReadServer, name string, so *api.ReadReq_Options_StreamOptions, o *api.ReadReq_Options) error {
	evs := n.log.stream(name)
	if len(evs) == 0 {
		return srv.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}}}})
	}
	var out []*stubEvent
	if o.GetReadDirection() == api.ReadReq_Options_Backwards {
		from := uint64(len(evs) - 1)
		if so.GetEnd() == nil && so.GetRevision() < from {
			from = so.GetRevision()
		}
		for i := int(from); i >= 0 && uint64(len(out)) < o.GetCount(); i-- {
			out = append(out, evs[i])
		}
	} else {
		from := so.GetRevision()
		if so.GetEnd() != nil {
			from = uint64(len(evs))
		}
		for i := from; i < uint64(len(evs)) && uint64(len(out)) < o.GetCount(); i++ {
			out = append(out, evs[i])
		}
	}
	return n.send(srv, "read stream", out)
}

func (n *stubNode) readAll(srv api.Streams_ReadServer, o *api.ReadReq_Options) error {
	ao := o.GetAll()
	n.log.mu.Lock()
	all := append([]*stubEvent(nil), n.log.all...)
	start, ok := len(all), true
	switch {
	case ao.GetStart() != nil:
		start = 0
	case ao.GetPosition() != nil:
		start, ok = n.log.index(ao.GetPosition().GetCommitPosition())
	}
	n.log.mu.Unlock()
	if !ok {
		// The server's reads of $all answer a result other than Success and AccessDenied with
		// gRPC Unknown (Enumerator.ReadAllForwards → RpcExceptions.UnknownError, in
		// EventStore/EventStore src/EventStore.Core/Services/Transport/Enumerators/ at 025b2f72):
		// not the InvalidArgument a subscription gets for the same position.
		result := n.badReadResult
		if result == "" {
			result = "InvalidPosition"
		}
		return status.Error(codes.Unknown, "Unexpected ReadAllResult: "+result)
	}
	var out []*stubEvent
	if o.GetReadDirection() == api.ReadReq_Options_Backwards {
		for i := start - 1; i >= 0 && uint64(len(out)) < o.GetCount(); i-- {
			out = append(out, all[i])
		}
	} else {
		for i := start; i < len(all) && uint64(len(out)) < o.GetCount(); i++ {
			out = append(out, all[i])
		}
	}
	return n.send(srv, "read all", out)
}

// subscribe confirms, sends the events from the start position on, says it caught up, then sends
// each new event until the request ends.
func (n *stubNode) subscribe(srv api.Streams_ReadServer, call stubCall, ao *api.ReadReq_Options_AllOptions) error {
	if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{SubscriptionId: "stub"}}}); err != nil {
		return err
	}
	n.mu.Lock()
	confirmed := n.confirmedHook
	n.mu.Unlock()
	if confirmed != nil {
		if err := confirmed(call); err != nil {
			return err
		}
	}
	n.log.mu.Lock()
	next, ok := 0, true
	if p := ao.GetPosition(); p != nil {
		next, ok = n.log.index(p.GetCommitPosition())
	}
	n.log.mu.Unlock()
	if !ok {
		// Enumerator.AllSubscription checks the start position itself, after the confirmation.
		return status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")
	}
	caughtUp := false
	for {
		n.log.mu.Lock()
		batch := append([]*stubEvent(nil), n.log.all[next:]...)
		grew := n.log.grew
		n.log.mu.Unlock()
		if err := sendAll(srv, batch); err != nil {
			return err
		}
		next += len(batch)
		if !caughtUp {
			caughtUp = true
			if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-grew:
		case <-srv.Context().Done():
			return srv.Context().Err()
		}
	}
}

func sendAll(srv api.Streams_ReadServer, evs []*stubEvent) error {
	for _, e := range evs {
		if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_Event{Event: readEvent(e)}}); err != nil {
			return err
		}
	}
	return nil
}

func readEvent(e *stubEvent) *api.ReadResp_ReadEvent {
	ct := "application/octet-stream"
	if e.json {
		ct = "application/json"
	}
	return &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               protoUUID(e.id),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(e.stream)},
			StreamRevision:   e.revision,
			PreparePosition:  e.pos,
			CommitPosition:   e.pos,
			Metadata: map[string]string{"type": e.typ, "content-type": ct,
				// .NET ticks (100 ns) since the Unix epoch.
				"created": strconv.FormatInt(time.Date(2009, 10, 1, 0, 0, 0, 0, time.UTC).UnixNano()/100, 10)},
			CustomMetadata: e.meta,
			Data:           e.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: e.pos},
	}
}

func protoUUID(id uuid.UUID) *shared.UUID {
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

func fromProtoUUID(u *shared.UUID) uuid.UUID {
	var id uuid.UUID
	s := u.GetStructured()
	binary.BigEndian.PutUint64(id[:8], uint64(s.GetMostSignificantBits()))
	binary.BigEndian.PutUint64(id[8:], uint64(s.GetLeastSignificantBits()))
	return id
}

// Append takes the request stream as the server does (Streams.Append): the options, then the
// events, refusing the append as soon as its size passes the limit; then, the whole request read,
// it answers (the hook: the server's refusals that call for a retry come at this point, from its
// write path) or writes the events with the server's expected-version and idempotency checks
// (IndexCommitter.CheckCommit), simplified to exact expectations and "no stream".
func (n *stubNode) Append(srv api.Streams_AppendServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	o := first.GetOptions()
	name := string(o.GetStreamIdentifier().GetStreamName())
	call := n.record(srv.Context(), "append", name, 0)
	type proposed struct {
		id         uuid.UUID
		typ        string
		json       bool
		data, meta []byte
	}
	var events []proposed
	size := 0
	for {
		m, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pm := m.GetProposedMessage()
		size += len(pm.GetData()) + len(pm.GetCustomMetadata())
		if n.maxAppendSize > 0 && size > n.maxAppendSize {
			_ = grpc.SetTrailer(srv.Context(), metadata.Pairs("exception", "maximum-append-size-exceeded", "maximum-append-size", strconv.Itoa(n.maxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", n.maxAppendSize)
		}
		events = append(events, proposed{id: fromProtoUUID(pm.GetId()), typ: pm.GetMetadata()["type"], json: pm.GetMetadata()["content-type"] == "application/json", data: pm.GetData(), meta: pm.GetCustomMetadata()})
	}
	if err := n.answer(call); err != nil {
		return err
	}

	l := n.log
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.streams[name]
	current := int64(len(cur)) - 1 // -1: no stream
	expected := int64(-2)          // any
	switch {
	case o.GetNoStream() != nil:
		expected = -1
	case o.GetStreamExists() != nil:
		expected = -4
	case o.GetAny() == nil:
		expected = int64(o.GetRevision())
	}
	wrong := func() error {
		w := &api.AppendResp_WrongExpectedVersion{}
		if current < 0 {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		} else {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		}
		switch {
		case expected == -1:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		case expected == -4:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		default:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		}
		return srv.SendAndClose(&api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}})
	}
	success := func(last *stubEvent, repeat bool) error {
		ok := &api.AppendResp_Success{
			CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
			PositionOption:        &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{CommitPosition: last.pos, PreparePosition: last.pos}},
		}
		if repeat {
			// The server answers a repeat with the position it kept for it (IdempotentLogPosition),
			// which is -1, and so no position, unless the write was still in its cache.
			ok.PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
		}
		return srv.SendAndClose(&api.AppendResp{Result: &api.AppendResp_Success_{Success: ok}})
	}
	switch {
	case expected == -4 && current < 0:
		return wrong()
	case expected >= -1 && expected < current:
		// Idempotency: the same events where this expectation put them.
		for i, e := range events {
			at := expected + 1 + int64(i)
			if at > current || cur[at].id != e.id {
				return wrong()
			}
		}
		return success(cur[expected+int64(len(events))], true)
	case expected >= -1 && expected > current:
		return wrong()
	}
	var last *stubEvent
	for _, e := range events {
		last = l.addLocked(name, e.id, e.typ, e.json, e.data, e.meta)
	}
	return success(last, false)
}

// blackHole accepts connections and never answers: a node that hangs.
func blackHole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}
