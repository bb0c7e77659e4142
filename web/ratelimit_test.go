package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

// A person has one allowance however they reach the ledger: pages spend from the same per-person
// bucket as the API, and a page over the limit answers a readable 429 with Retry-After.
func TestPagesShareThePersonsRateLimit(t *testing.T) {
	store := demoStore(t, 1)
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	tokens := auth.NewVerifier(secret, nil)
	limit := api.NewRateLimit(0.001, 2) // two requests, then one every 1,000 s
	e := api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store, Tokens: tokens, Limit: limit})
	web.Mount(e, web.Config{Projections: proj, Store: store, Tokens: tokens, Limit: limit.TakePerson})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	tok := token(t, auditor)
	assert.Equal(t, http.StatusOK, apiGet(t, srv, "/v1/plans", tok).StatusCode)
	assert.Equal(t, http.StatusOK, get(t, srv, "/", tok).StatusCode)
	page := get(t, srv, "/", tok)
	require.Equal(t, http.StatusTooManyRequests, page.StatusCode, "the API request and the page spent the same allowance")
	assert.NotEmpty(t, page.Header.Get("Retry-After"))
	body, err := io.ReadAll(page.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), "Too many requests")
	assert.Equal(t, http.StatusTooManyRequests, apiGet(t, srv, "/v1/plans", tok).StatusCode)

	other := token(t, londonSA)
	assert.Equal(t, http.StatusOK, get(t, srv, "/", other).StatusCode, "another person has an allowance of their own")
}
