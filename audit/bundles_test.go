package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// A ledger that grew after the mirror was taken has signed no head at the mirror's size, and signs
// none for it later: its bundles as of the mirror's position are of that cut but proved against the
// first head it signed after. The audit holds such a head to the mirror by the server's consistency
// proof from the mirror's tree, and finds the bundles equal to its own.
func TestBundlesUnderAHeadSignedAfterTheMirror(t *testing.T) {
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	record := func(ods string) {
		admin := domain.Actor{PersonID: "adm", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
		res, err := l.svc.Commands.Registry(context.Background(), command.Request{Actor: admin},
			domain.RegisterOrganisation{ODSCode: ods, Name: "A Late Trust " + ods, Kind: domain.KindSHA})
		// In the proxy's goroutine: a failure is reported, not raised.
		if assert.NoError(t, err) {
			assert.NoError(t, l.svc.Tree.WaitFor(context.Background(), res.Position))
		}
	}
	// One event after the head the audit starts from, so that the mirror ends where no head was
	// signed; and one more before the head it asks once the mirror is taken.
	var feed, heads atomic.Int32
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.URL.Path == "/v1/audit/events" && feed.Add(1) == 1:
			record("Y0001")
		case r.URL.Path == "/v1/ledger/tree-head" && heads.Add(1) == 2:
			record("Y0002")
		}
		return false
	})
	var cut, later atomic.Int32
	lp.rewrite = func(r *http.Request, body []byte) []byte {
		if r.URL.Query().Get("format") == "bundle" {
			var b evidence.Bundle
			if json.Unmarshal(body, &b) == nil {
				cut.Add(1)
				if b.TreeHead.TreeSize > b.TreeSize {
					later.Add(1)
				}
			}
		}
		return body
	}

	rep, err := lp.audit(l, t.TempDir())
	require.NoError(t, err)
	require.True(t, rep.OK(), "%+v %+v %+v", rep.Findings, rep.Differences, rep.Unanswered)
	assert.Zero(t, rep.DifferencesTotal)
	require.Positive(t, cut.Load(), "bundles were compared")
	assert.Equal(t, cut.Load(), later.Load(), "every bundle as of the mirror's position is under the head signed after it")
	head, err := l.store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, head-1, rep.ComparedAsOf, "compared as of the mirror's last event, before the late one")
}

// serveSignedAt serves dir's log from a copy whose ledger signed a head when its tree held the
// first n events, and none since: the copy is served holding those, a head is signed, and the rest
// are appended while it runs. A test that serves a log of its own making through a proxy (a head
// the ledger never signed) gives the audit's comparison, as of n, the head a ledger would have.
func serveSignedAt(t *testing.T, dir string, n int) *ledger {
	t.Helper()
	ctx := context.Background()
	events := eventsOf(t, dir)
	_, err := ledgertree.LoadSigner(dir) // the key holding copies
	require.NoError(t, err)
	l := serve(t, holding(t, dir, events[:n]))
	h, err := l.svc.Heads.Head(l.svc.Tree.Tree())
	require.NoError(t, err)
	require.EqualValues(t, n, h.TreeSize)
	var last uint64
	for _, rec := range events[n:] {
		res, err := l.store.Append(ctx, rec.Stream, eventstore.Any, eventstore.Event{ID: rec.ID, Type: rec.Type, Data: rec.Data, Metadata: rec.Metadata})
		require.NoError(t, err)
		last = res.Position
	}
	require.NoError(t, l.svc.Tree.WaitFor(ctx, last))
	return l
}
