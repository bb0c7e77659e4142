package command

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// A plan folded into the handler's cache keeps its current version's hash but not its content.
func TestCachedPlansKeepNoContent(t *testing.T) {
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	var c domain.Content
	require.NoError(t, json.Unmarshal(raw, &c))
	hash, err := eventcodec.ContentHash(c)
	require.NoError(t, err)
	submitted := domain.Event{Data: domain.PlanSubmitted{PlanID: "p", LHCID: "l", Round: "2009-10", Version: 1,
		Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: c},
		Meta:        domain.Metadata{EventID: "e-1", RecordedAt: time.Date(2009, 7, 1, 0, 0, 0, 0, time.UTC), Actor: domain.Actor{Org: "5K5"}},
		ContentHash: hash}

	s := newStream("plan-p", domain.NewPlan())
	s.applied(submitted, Result{}, "")
	require.NoError(t, s.broken)
	require.True(t, s.state.Current().Content.IsZero())
	require.Equal(t, hash, s.state.CurrentContentHash())
	require.False(t, c.IsZero(), "the event's own content is left alone")
}
