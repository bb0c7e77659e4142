package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

func TestCodeFailure(t *testing.T) {
	cases := []struct {
		code esdb.ErrorCode
		want failure
	}{
		{esdb.ErrorCodeWrongExpectedVersion, failConflict},
		{esdb.ErrorCodeResourceNotFound, failNotFound},
		{esdb.ErrorCodeNotLeader, failNotLeader},
		{esdb.ErrorUnavailable, failTransient},
		{esdb.ErrorCodeDeadlineExceeded, failTransient},
		{esdb.ErrorAborted, failBusy},
		{esdb.ErrorCodeConnectionClosed, failClientClosed},
		{esdb.ErrorCodeUnauthenticated, failDenied},
		{esdb.ErrorCodeAccessDenied, failDenied},
		{esdb.ErrorCodeStreamDeleted, failDeleted},
		{esdb.ErrorCodeUnknown, failOther},
		{esdb.ErrorCodeUnsupportedFeature, failOther},
		{esdb.ErrorCodeResourceAlreadyExists, failOther},
		{esdb.ErrorCodeParsing, failOther},
		{esdb.ErrorCodeInternalClient, failOther},
		{esdb.ErrorCodeInternalServer, failOther},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, codeFailure(tc.code), "code %d", tc.code)
	}
}

func TestStatusFailure(t *testing.T) {
	cases := []struct {
		code codes.Code
		msg  string // the server's wording (RpcExceptions), or the transport's
		want failure
	}{
		{codes.Unavailable, "connection error: desc = \"transport: Error while dialing: dial tcp: connection refused\"", failTransient},
		{codes.Unavailable, "Server Is Not Ready", failBusy},
		{codes.Unavailable, "Server Is Too Busy", failBusy},
		{codes.DeadlineExceeded, "context deadline exceeded", failTransient},
		{codes.Canceled, "grpc: the client connection is closing", failTransient},
		{codes.Aborted, "Operation timed out", failBusy},
		{codes.ResourceExhausted, "grpc: received message larger than max (5000000 vs. 4194304)", failTooLarge},
		{codes.Unauthenticated, "bad password", failDenied},
		{codes.PermissionDenied, "Access Denied", failDenied},
		{codes.NotFound, "Event stream 'x' is not found.", failNotFound},
		{codes.NotFound, "Leader info available", failNotLeader},
		{codes.InvalidArgument, "Trying to read from an invalid position.", failInvalidArg},
		{codes.Unknown, "Unexpected ReadAllResult: InvalidPosition", failBadPosition},
		{codes.Unknown, "Unexpected ReadAllResult: Error", failBadPosition},
		{codes.Unknown, "Unexpected ReadAllResult: Expired", failOther},
		{codes.Unknown, "Unexpected ReadStreamResult: Error", failOther},
		{codes.InvalidArgument, "Maximum Append Size of 1048576 Exceeded.", failTooLarge},
		{codes.InvalidArgument, "Event with Id: x, Size: 2000000, exceeds Maximum Append Event Size of 1048576.", failTooLarge},
		{codes.Internal, "boom", failOther},
		{codes.Unknown, "boom", failOther},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, statusFailure(status.New(tc.code, tc.msg)), "%s %q", tc.code, tc.msg)
	}
}

func TestClassify(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "connection refused")
	cases := []struct {
		name string
		err  error
		want failure
	}{
		{"bare gRPC status", unavailable, failTransient},
		{"gRPC status wrapped by the client", fmt.Errorf("could not construct append operation. Reason: %w", unavailable), failTransient},
		// The client's code for what it could not classify; the status inside still tells.
		{"unknown code around a status", unknownCode(status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")), failInvalidArg},
		{"unknown code around a plain error", unknownCode(errors.New("boom")), failOther},
		{"plain error", errors.New("boom"), failOther},
		// The client's answer to an append the server ended while it was still sending.
		{"EOF while sending", fmt.Errorf("could not send append request. Reason: %w", unknownCode(io.EOF)), failCutShort},
		{"context cancelled", context.Canceled, failOther},
		// The caller's own cancellation never gets here (call checks the context first): this is
		// the connection closed under the request.
		{"connection closing", status.Error(codes.Canceled, "grpc: the client connection is closing"), failTransient},
		{"a panic of the client", fmt.Errorf("append: %w", clientPanic{"send on closed channel"}), failClientClosed},
		{"server timed out, wrapped", fmt.Errorf("x: %w", status.Error(codes.Aborted, "Operation timed out")), failBusy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, classify(tc.err))
		})
	}
}

func TestFailureProperties(t *testing.T) {
	retryable := map[failure]bool{failTransient: true, failClientClosed: true, failNotLeader: true, failBusy: true}
	unanswered := map[failure]bool{failTransient: true, failClientClosed: true}
	for f := failOther; f <= failCutShort; f++ {
		assert.Equal(t, retryable[f], f.retryable(), f.String())
		assert.Equal(t, !unanswered[f], f.answered(), f.String())
	}
	assert.False(t, failTooLarge.retryable(), "a size refusal gets the same answer again")
	assert.False(t, failCutShort.retryable(), "a size refusal gets the same answer again")
}

func TestMapFailure(t *testing.T) {
	cause := status.Error(codes.Unavailable, "no route")
	cases := []struct {
		f           failure
		unavailable bool
		text        string
	}{
		{failTransient, true, "EventStoreDB append to acct"},
		{failClientClosed, true, "EventStoreDB append to acct"},
		{failDenied, false, "check the credentials"},
		{failDeleted, false, "deleted on the server"},
		{failOther, false, "esdbstore: append to acct"},
		{failInvalidArg, false, "esdbstore: append to acct"},
		{failNotLeader, true, "EventStoreDB append to acct"},
		{failBusy, true, "EventStoreDB append to acct"},
		{failTooLarge, false, "maximum append size"},
		{failCutShort, false, "before taking all of it"},
	}
	for _, tc := range cases {
		t.Run(tc.f.String(), func(t *testing.T) {
			err := mapFailure("append to acct", tc.f, cause)
			assert.Equal(t, tc.unavailable, errors.Is(err, eventstore.ErrUnavailable))
			assert.Equal(t, tc.f == failTooLarge || tc.f == failCutShort, errors.Is(err, eventstore.ErrInvalidAppend))
			assert.Equal(t, tc.f == failTooLarge, errors.Is(err, eventstore.ErrTooLarge))
			assert.ErrorIs(t, err, cause, "the client's error stays in the chain")
			assert.Contains(t, err.Error(), tc.text)
		})
	}
}

func TestPortErrorPrefersContextAndClose(t *testing.T) {
	s := newStore(esdb.Configuration{}, "esdb://test", Options{})
	cause := status.Error(codes.Unavailable, "gone")
	assert.Nil(t, s.portError(t.Context(), "op", nil))
	assert.ErrorIs(t, s.portError(t.Context(), "op", cause), eventstore.ErrUnavailable)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.Equal(t, context.Canceled, s.portError(ctx, "op", cause), "the caller gave up: its own error")

	require.NoError(t, s.Close())
	assert.Equal(t, eventstore.ErrClosed, s.portError(t.Context(), "op", cause))
}

func TestActualRevision(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		last   uint64
		exists bool
		ok     bool
	}{
		// The client's own wording (esdb/client.go, AppendToStream).
		{"stream at a revision", errors.New("[ErrorCodeWrongExpectedVersion] an append request failed the optimistic concurrency on the server: wrong expected version: expecting '3' but got '7'"), 7, true, true},
		{"no stream", errors.New("wrong expected version: expecting 'stream_exists' but got 'no_stream'"), 0, false, true},
		{"revision 0", errors.New("wrong expected version: expecting 'no_stream' but got '0'"), 0, true, true},
		{"wrapped", fmt.Errorf("append: %w", errors.New("wrong expected version: expecting 'any' but got '12'")), 12, true, true},
		{"negative (an overflow in the client)", errors.New("wrong expected version: expecting '1' but got '-3'"), 0, false, false},
		{"other wording", errors.New("wrong expected version"), 0, false, false},
		{"nil", nil, 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			last, exists, ok := actualRevision(tc.err)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.exists, exists)
			assert.Equal(t, tc.last, last)
		})
	}
}

// unknownCode wraps err as the client wraps what it cannot classify: an *esdb.Error with
// ErrorCodeUnknown, the only code the client lets other packages construct.
func unknownCode(err error) error {
	e, _ := esdb.FromError(err)
	return e
}
