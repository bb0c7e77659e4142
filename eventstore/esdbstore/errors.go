package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// failure is what a client error means to the store: whether to retry, replace the client, or give
// up, and which port error to return.
type failure int

const (
	failOther        failure = iota
	failConflict             // wrong expected version
	failNotFound             // the stream does not exist (reads)
	failTransient            // the node is not the leader, unavailable, or too slow: another try may do
	failClientClosed         // the client gave up discovering a node and closed itself for good
	failDenied               // authentication or access control
	failDeleted              // the stream was deleted on the server
	failInvalidArg           // the server refused a request as malformed: for $all, a position that is not an event's
)

func (f failure) String() string {
	return [...]string{"other", "conflict", "not found", "transient", "client closed", "denied", "deleted", "invalid argument"}[f]
}

// retryable reports whether sending the same request again may succeed.
func (f failure) retryable() bool { return f == failTransient || f == failClientClosed }

// answered reports whether the server took part in the failure, which shows it is reachable.
func (f failure) answered() bool {
	return f == failConflict || f == failNotFound || f == failDenied || f == failDeleted || f == failInvalidArg
}

// codeFailure maps the client's error codes.
func codeFailure(code esdb.ErrorCode) failure {
	switch code {
	case esdb.ErrorCodeWrongExpectedVersion:
		return failConflict
	case esdb.ErrorCodeResourceNotFound:
		return failNotFound
	case esdb.ErrorCodeNotLeader, esdb.ErrorUnavailable, esdb.ErrorCodeDeadlineExceeded, esdb.ErrorAborted:
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

// statusFailure maps gRPC status codes, which the client passes through unclassified in places
// (ErrorCodeUnknown, or a bare status error from the first call of a read).
func statusFailure(code codes.Code) failure {
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.ResourceExhausted:
		return failTransient
	case codes.Unauthenticated, codes.PermissionDenied:
		return failDenied
	case codes.NotFound:
		return failNotFound
	case codes.InvalidArgument:
		return failInvalidArg
	default:
		return failOther
	}
}

// classify tells what err, returned by the client, means.
func classify(err error) failure {
	var e *esdb.Error
	if errors.As(err, &e) {
		if f := codeFailure(e.Code()); f != failOther {
			return f
		}
	}
	if s, ok := status.FromError(err); ok && s != nil {
		return statusFailure(s.Code())
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
	case failTransient, failClientClosed:
		return fmt.Errorf("%w: EventStoreDB %s: %w", eventstore.ErrUnavailable, op, err)
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
