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
		{esdb.ErrorCodeNotLeader, failTransient},
		{esdb.ErrorUnavailable, failTransient},
		{esdb.ErrorCodeDeadlineExceeded, failTransient},
		{esdb.ErrorAborted, failTransient},
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
		want failure
	}{
		{codes.Unavailable, failTransient},
		{codes.DeadlineExceeded, failTransient},
		{codes.Aborted, failTransient},
		{codes.ResourceExhausted, failTransient},
		{codes.Unauthenticated, failDenied},
		{codes.PermissionDenied, failDenied},
		{codes.NotFound, failNotFound},
		{codes.InvalidArgument, failInvalidArg},
		{codes.Canceled, failOther},
		{codes.Internal, failOther},
		{codes.Unknown, failOther},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, statusFailure(tc.code), tc.code.String())
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
		{"EOF", io.EOF, failOther},
		{"context cancelled", context.Canceled, failOther},
		{"status cancelled", status.Error(codes.Canceled, "context canceled"), failOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, classify(tc.err))
		})
	}
}

func TestFailureProperties(t *testing.T) {
	retryable := map[failure]bool{failTransient: true, failClientClosed: true}
	answered := map[failure]bool{failConflict: true, failNotFound: true, failDenied: true, failDeleted: true, failInvalidArg: true}
	for f := failOther; f <= failInvalidArg; f++ {
		assert.Equal(t, retryable[f], f.retryable(), f.String())
		assert.Equal(t, answered[f], f.answered(), f.String())
		assert.False(t, f.retryable() && f.answered(), "%s cannot be both", f)
	}
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
	}
	for _, tc := range cases {
		t.Run(tc.f.String(), func(t *testing.T) {
			err := mapFailure("append to acct", tc.f, cause)
			assert.Equal(t, tc.unavailable, errors.Is(err, eventstore.ErrUnavailable))
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
