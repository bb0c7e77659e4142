package bench

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunReportsEveryFigure runs the whole bench at a tiny size. It checks that every figure issue 7
// names is present and plausible, not how fast anything is: speed is for `ledger bench` on a quiet
// machine, never for a unit test.
func TestRunReportsEveryFigure(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	var progress strings.Builder
	var logged bytes.Buffer // the server logs as serve does, into what Log gives it
	var secret []byte
	dir := t.TempDir()
	res, err := Run(t.Context(), Config{Dir: dir, Events: 1100, Writers: 4, GetDuration: 200 * time.Millisecond, HTTPDuration: 200 * time.Millisecond, GetRate: 200,
		HeapBudget: 256 << 20, Progress: &progress, Log: func(s []byte) *slog.Logger {
			secret = s
			return slog.New(slog.NewJSONHandler(&logged, nil))
		}})
	require.NoError(t, err)
	require.Len(t, secret, 32, "Log is given the token secret to redact")
	assert.Regexp(t, `"msg":"request".*"method":"GET","path":"/v1/plans/[^"]+","route":"/v1/plans/:id","status":200`, logged.String())
	assert.Regexp(t, `"msg":"request".*"method":"POST".*"status":201`, logged.String())
	// Start-up is a restart of serve: the projections are restored from the snapshot saved after
	// the replay and the tree resumes from the checkpoint the append phase left, both holding the
	// whole log, instead of rebuilding.
	assert.Regexp(t, `the projections restored from their snapshot at position [1-9][0-9]* and read 0 more events`, progress.String())
	assert.Regexp(t, `the ledger tree resumed at [1-9][0-9]* leaves and read 0 more`, progress.String())
	raw, err := json.Marshal(res)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	for _, key := range []string{
		"fsync_per_sec", "append_events_per_sec", "append_p50_ms", "append_p99_ms", "events_per_fsync",
		"replay_events_per_sec", "startup_to_ready_ms", "report_ms", "as_of_report_ms", "http_get_p99_ms",
		"http_post_per_sec", "rss_mb", "http_get_alloc_kb_per_request", "audit_events_per_sec",
	} {
		v, ok := got[key].(float64)
		if assert.True(t, ok, "%s missing or not a number", key) {
			assert.Greater(t, v, 0.0, key)
		}
	}
	for _, key := range []string{"http_get_gc_cycles", "replay_gc_cycles"} {
		_, ok := got[key].(float64)
		assert.True(t, ok, "%s: whether a collection fell in the phase", key)
	}
	assert.NotEmpty(t, got["go_version"])
	assert.Equal(t, 4.0, got["writers"])
	assert.Equal(t, 256.0, got["heap_budget_mib"], "the pacing the figures were measured under")
	assert.LessOrEqual(t, res.AppendP50Ms, res.AppendP99Ms)
	assert.GreaterOrEqual(t, res.Events, 1100, "the log reaches the requested size")
	assert.Greater(t, res.Events, res.Plans)
	assert.GreaterOrEqual(t, res.EventsPerFsync, 1.0)
	assert.GreaterOrEqual(t, res.AuditEvents, uint64(res.Events), "ledger audit mirrored the whole log, POSTs included")

	// The ledger stays in the directory given, and a second run refuses to write over it.
	assert.FileExists(t, filepath.Join(dir, "ledger.db"))
	_, err = Run(t.Context(), Config{Dir: dir, Events: 800})
	require.ErrorContains(t, err, "already holds a ledger")
}

func TestGCCyclesCountsCollections(t *testing.T) {
	before := gcCycles()
	runtime.GC()
	require.Greater(t, gcCycles(), before)
}

func TestQuantile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	sorted := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.5, 5}, {0.99, 10}, {0.1, 1}, {0, 1}} {
		assert.Equal(t, c.want, quantile(sorted, c.q), "q=%v", c.q)
	}
	assert.Equal(t, 0.0, quantile(nil, 0.5))
}
