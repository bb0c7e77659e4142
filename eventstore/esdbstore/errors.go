package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// failure is what a client error means to the store: whether to retry, replace the client, or give
// up, whether the server took part, and which port error to return.
type failure int

const (
	failOther        failure = iota
	failConflict             // wrong expected version
	failNotFound             // the stream does not exist (reads)
	failTransient            // no answer: unavailable, too slow, the connection went: another try may do
	failClientClosed         // the client gave up discovering a node and closed itself, or failed inside
	failDenied               // authentication or access control
	failDeleted              // the stream was deleted on the server
	failInvalidArg           // the server refused a request as malformed: for a subscription to $all, a position that is not an event's
	failBadPosition          // the server could not read $all from the position asked: not an event's
	failNotLeader            // the node answered that it is not the leader; the client reconnects to the one it named
	failBusy                 // the server answered that it timed out, is not ready or too busy
	failTooLarge             // the server refused the append as larger than it takes
	failCutShort             // an append ended before all of it was sent (io.EOF): refused for its size, or the connection went
)

// An append cut short: the client's Send gets io.EOF, and the client does not ask for the status
// that ended the request. The server's write path refuses (not ready, too busy, not the leader,
// timed out) only once it has read the whole request (Streams.Append), so a request the server
// ended while the client was still sending it is one refused while being read: for its size (or,
// on newer servers, for access, which a small append, read whole, then reports as such). But gRPC
// gives Send the same io.EOF when the connection itself goes (a node restarting, a network
// failure), which a new attempt may get past. So the append is sent once more (Store.call): the
// same refusal again is the server's, and nothing was written; any other outcome is the second
// attempt's. A connection that goes during both sends is taken for the refusal it cannot be told
// from (nothing was written either way).

func (f failure) String() string {
	return [...]string{"other", "conflict", "not found", "transient", "client closed", "denied", "deleted",
		"invalid argument", "bad position", "not leader", "busy", "too large", "cut short"}[f]
}

// retryable reports whether sending the same request again may succeed.
func (f failure) retryable() bool {
	return f == failTransient || f == failClientClosed || f == failNotLeader || f == failBusy
}

// answered reports whether the server took part in the failure, which shows it is reachable: every
// failure but a request that got no answer at all.
func (f failure) answered() bool { return f != failTransient && f != failClientClosed }

// codeFailure maps the client's error codes. ErrorUnavailable and ErrorCodeDeadlineExceeded come
// from the transport as well as from the server: statusFailure tells them apart by the status the
// client wraps.
func codeFailure(code esdb.ErrorCode) failure {
	switch code {
	case esdb.ErrorCodeWrongExpectedVersion:
		return failConflict
	case esdb.ErrorCodeResourceNotFound:
		return failNotFound
	case esdb.ErrorCodeNotLeader:
		return failNotLeader
	case esdb.ErrorAborted:
		return failBusy // the server's "Operation timed out"
	case esdb.ErrorUnavailable, esdb.ErrorCodeDeadlineExceeded:
		return failTransient
	case esdb.ErrorCodeConnectionClosed:
		return failClientClosed
	case esdb.ErrorCodeUnauthenticated, esdb.ErrorCodeAccessDenied:
		return failDenied
	case esdb.ErrorCodeStreamDeleted:
		return failDeleted
	default:
		return failOther
	}
}

// statusFailure maps a gRPC status, which the client passes through unclassified in places
// (ErrorCodeUnknown, or a bare status error from the first call of a read). The server's own
// refusals are told from the transport's by their messages (RpcExceptions in the server).
func statusFailure(s *status.Status) failure {
	msg := s.Message()
	switch s.Code() {
	case codes.Unavailable:
		if strings.Contains(msg, "Server Is Not Ready") || strings.Contains(msg, "Server Is Too Busy") {
			return failBusy
		}
		return failTransient
	case codes.DeadlineExceeded:
		return failTransient
	case codes.Canceled:
		// Not the caller's cancellation (call checks that first): the connection was closed under
		// the request ("grpc: the client connection is closing").
		return failTransient
	case codes.Aborted:
		return failBusy
	case codes.ResourceExhausted:
		return failTooLarge // a message over the server's gRPC limit: the same again gets the same
	case codes.Unauthenticated, codes.PermissionDenied:
		return failDenied
	case codes.NotFound:
		if strings.HasSuffix(msg, leaderInfo) {
			return failNotLeader
		}
		return failNotFound
	case codes.InvalidArgument:
		if strings.Contains(msg, "Maximum Append") { // "Maximum Append Size of …", "… Maximum Append Event Size …"
			return failTooLarge
		}
		return failInvalidArg
	case codes.Unknown:
		// The message ends with the server's: status.FromError gives a wrapped status the whole
		// chain's text.
		if strings.HasSuffix(msg, readAllResult+"InvalidPosition") || strings.HasSuffix(msg, readAllResult+"Error") {
			return failBadPosition
		}
		return failOther
	default:
		return failOther
	}
}

// leaderInfo is the message of the server's not-leader answer (RpcExceptions.LeaderInfo: NotFound,
// the leader's address in the trailers). The client turns it into ErrorCodeNotLeader, and
// reconnects, only on the calls that look at the trailers; a subscription dropped with it after
// its confirmation gets the bare status (Subscription.Recv never calls the client's handleError).
const leaderInfo = "Leader info available"

// readAllResult begins the server's answer to a read of $all that did not succeed and was not
// refused for access: Enumerator.ReadAllForwards (and ReadAllBackwards) hand every other
// ReadAllResult to RpcExceptions.UnknownError, gRPC Unknown "Unexpected ReadAllResult: <result>"
// (EventStore/EventStore src/EventStore.Core/Services/Transport/Enumerators/
// Enumerator.ReadAllForwards.cs at 025b2f72; KurrentDB at 0db44753 the same). A read from a
// position inside a record comes back as InvalidPosition, or as Error when the storage reader
// fails on what it finds there. Subscriptions answer the same start InvalidArgument instead.
const readAllResult = "Unexpected ReadAllResult: "

// clientPanic is a panic of the client library, recovered. The v4 client panics when a call runs
// into a client closed under it (a send on its closed channel).
type clientPanic struct{ value any }

func (p clientPanic) Error() string {
	return fmt.Sprintf("esdbstore: the EventStoreDB client failed: %v", p.value)
}

// classify tells what err, returned by the client, means.
func classify(err error) failure {
	if errors.As(err, new(clientPanic)) {
		return failClientClosed
	}
	var e *esdb.Error
	if errors.As(err, &e) {
		if f := codeFailure(e.Code()); f != failOther && f != failTransient {
			return f
		}
	}
	if s, ok := status.FromError(err); ok && s != nil {
		return statusFailure(s)
	}
	if errors.Is(err, io.EOF) {
		return failCutShort
	}
	if e != nil {
		return codeFailure(e.Code())
	}
	return failOther
}

// portError turns a client error into what the port promises callers: ctx's own error when the
// caller gave up, ErrClosed after Close, ErrUnavailable (wrapping the cause) for anything worth
// retrying later. The client's error stays in the chain for errors.As.
func (s *Store) portError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return mapFailure(op, classify(err), err)
}

// mapFailure is portError once the caller's context and the store's state are ruled out.
func mapFailure(op string, f failure, err error) error {
	switch f {
	case failTransient, failClientClosed, failNotLeader, failBusy:
		return fmt.Errorf("%w: EventStoreDB %s: %w", eventstore.ErrUnavailable, op, err)
	case failTooLarge:
		return fmt.Errorf("%w: %w: EventStoreDB refused %s as larger than it takes in one append (its maximum append size, 1 MiB unless configured); nothing was written: %w",
			eventstore.ErrInvalidAppend, eventstore.ErrTooLarge, op, err)
	case failCutShort:
		return fmt.Errorf("%w: EventStoreDB ended %s before taking all of it, twice, as it does with an append over its maximum append size; nothing was written: %w",
			eventstore.ErrInvalidAppend, op, err)
	case failDenied:
		return fmt.Errorf("esdbstore: EventStoreDB refused %s (check the credentials and the stream ACLs): %w", op, err)
	case failDeleted:
		return fmt.Errorf("esdbstore: %s: the stream was deleted on the server, which the ledger never does: %w", op, err)
	default:
		return fmt.Errorf("esdbstore: %s: %w", op, err)
	}
}

// wrongVersion matches the message the v4 client builds from the server's wrong-expected-version
// answer, the only place it reports the stream's actual revision: "... but got '<n>'" or
// "... but got 'no_stream'".
var wrongVersion = regexp.MustCompile(`but got '([^']*)'`)

// actualRevision reads the stream's revision at the time of a wrong-expected-version error: the
// last revision and true, 0 and false for a stream without events; ok false when err does not
// say.
func actualRevision(err error) (last uint64, exists, ok bool) {
	if err == nil {
		return 0, false, false
	}
	m := wrongVersion.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false, false
	}
	if m[1] == "no_stream" {
		return 0, false, true
	}
	n, perr := strconv.ParseUint(m[1], 10, 64)
	if perr != nil {
		return 0, false, false
	}
	return n, true, true
}
