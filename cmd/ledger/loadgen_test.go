package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The ledger binary hands itself over to the bench's load generator when started as one (the GET
// phase of ledger bench runs it so), reading the spec on stdin and answering on stdout.
func TestLedgerBinaryIsTheBenchsLoadGenerator(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer ts.Close()
	spec, err := json.Marshal(map[string]any{"base": ts.URL, "token": "t", "plans": []string{"p"}, "rate": 40,
		"duration": int64(250 * time.Millisecond), "conns": 2})
	require.NoError(t, err)
	cmd := exec.Command(ledgerBinary(t), "-ledger-bench-load-generator")
	cmd.Env = append(os.Environ(), "LEDGER_BENCH_LOAD_GENERATOR=1")
	cmd.Stdin = bytes.NewReader(spec)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var res struct {
		Requests int     `json:"requests"`
		P99Ms    float64 `json:"p99_ms"`
		PID      int     `json:"pid"`
		Error    string  `json:"error"`
	}
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	require.Empty(t, res.Error)
	require.Equal(t, 10, res.Requests)
	require.EqualValues(t, 10, hits.Load())
	require.Equal(t, cmd.Process.Pid, res.PID)
	require.Positive(t, res.P99Ms)

	// The variable alone does not: the binary does what its arguments say.
	cmd = exec.Command(ledgerBinary(t), "--help")
	cmd.Env = append(os.Environ(), "LEDGER_BENCH_LOAD_GENERATOR=1")
	out, err = cmd.Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "Available Commands")
}
