package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/eventstore"
)

// TestAuditFeedSkipsForeignStreams: in a shared EventStoreDB other applications' events are in
// the global log; the feed leaves them out, as the tree and the projections do, and pages past
// them.
func TestAuditFeedSkipsForeignStreams(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	before := s.head()
	_, err := s.store.Append(context.Background(), "orders-42", eventstore.NoStream,
		eventstore.Event{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"sku":"x"}`)})
	require.NoError(t, err)
	s.must(201, "POST", "/v1/organisations", &admin, map[string]any{"ods_code": "RKE", "name": "Whittington", "kind": "provider", "sha_code": "Q36"})

	feed := s.must(200, "GET", fmt.Sprintf("/v1/audit/events?from_position=%d", before), &auditor, nil)
	events := feed["events"].([]any)
	require.Len(t, events, 2, "the last registry event before, and the one after; not the foreign one")
	for _, e := range events {
		assert.Equal(t, "registry", e.(map[string]any)["stream"])
	}

	// A page that ends on the foreign event still leads on.
	feed = s.must(200, "GET", fmt.Sprintf("/v1/audit/events?from_position=%d&limit=2", before), &auditor, nil)
	require.Len(t, feed["events"].([]any), 1)
	next := feed["next_from_position"].(float64)
	feed = s.must(200, "GET", fmt.Sprintf("/v1/audit/events?from_position=%d", int(next)), &auditor, nil)
	require.Len(t, feed["events"].([]any), 1)
	assert.Equal(t, "OrganisationRegistered", feed["events"].([]any)[0].(map[string]any)["type"])
}

// refusingStore answers as an EventStoreDB store does to a position of another store's log, and
// to an append over its size limit.
type refusingStore struct{ eventstore.Store }

func (r refusingStore) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after > 0 {
		return nil, fmt.Errorf("%w: position %d", eventstore.ErrInvalidPosition, after)
	}
	return r.Store.ReadAll(ctx, after, limit)
}

func (r refusingStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, fmt.Errorf("%w: %w: 2000000 bytes", eventstore.ErrInvalidAppend, eventstore.ErrTooLarge)
}

// TestStoreRefusalsAreTheClientsToFix: a from_position the store has no event at is a 400 naming
// the parameter, and a command whose event is too large for the store a 413: neither a 500.
func TestStoreRefusalsAreTheClientsToFix(t *testing.T) {
	s := startServer(t, t.TempDir())
	store := refusingStore{s.store}
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: s.proj,
		Store: store, Tokens: auth.NewVerifier(secret, nil)}))
	defer srv.Close()
	s2 := &ledgerServer{t: t, http: srv}

	r := s2.do("GET", "/v1/audit/events?from_position=41", &auditor, nil)
	requireProblem(t, r, http.StatusBadRequest, "malformed_request")
	assert.Contains(t, string(r.body), "from_position")

	r = s2.do("POST", "/v1/organisations", &admin, map[string]any{"ods_code": "Q36", "name": "NHS London", "kind": "sha"})
	requireProblem(t, r, http.StatusRequestEntityTooLarge, "too_large_for_store")
}
