package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The GET phase's client must be another process with its own runtime (load.go says why): the
// answers come from a process other than this one, and every request the spec asks for is made.
func TestMeasureGetsRunsTheLoadGeneratorApart(t *testing.T) {
	var hits atomic.Int64
	var auth atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		if !strings.HasPrefix(r.URL.Path, "/v1/plans/p") {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusNotFound)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer ts.Close()
	s := &httpServer{client: newClient(ts.URL, 4), secret: []byte("0123456789abcdef0123456789abcdef")}
	res, err := s.inSecondProcess(t.Context(), loadSpec{Plans: []string{"p1", "p2"}, Rate: 200, Duration: 250 * time.Millisecond, Conns: 4})
	require.NoError(t, err)
	assert.NotEqual(t, os.Getpid(), res.PID, "the load generator ran in the server's process")
	assert.NotZero(t, res.PID)
	assert.Equal(t, 50, res.Requests)
	assert.EqualValues(t, 50, hits.Load())
	assert.Greater(t, res.P99Ms, 0.0)
	assert.Greater(t, res.PerSec, 0.0)
	assert.True(t, strings.HasPrefix(auth.Load().(string), "Bearer ey"), "requests carry the bench auditor's token")
}

func TestMeasureGetsReportsTheServersRefusal(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such plan", http.StatusNotFound)
	}))
	defer ts.Close()
	s := &httpServer{client: newClient(ts.URL, 2), secret: []byte("0123456789abcdef0123456789abcdef")}
	_, err := s.inSecondProcess(t.Context(), loadSpec{Plans: []string{"p1"}, Rate: 50, Duration: 100 * time.Millisecond, Conns: 2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status 404: no such plan")
}

func TestRunLoadGeneratorRefusesAnEmptySpec(t *testing.T) {
	for name, in := range map[string]string{"not JSON": "{", "no plans": `{"rate":10,"duration":1000000,"conns":1}`, "no rate": `{"plans":["p"],"duration":1000000,"conns":1}`} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			require.Equal(t, 1, RunLoadGenerator(strings.NewReader(in), &out))
			var res loadResult
			require.NoError(t, json.Unmarshal(out.Bytes(), &res))
			assert.NotEmpty(t, res.Error)
		})
	}
}

// The variable alone, or the argument alone, does not make a process the load generator.
func TestIsLoadGeneratorNeedsTheVariableAndTheArgument(t *testing.T) {
	args := os.Args
	t.Cleanup(func() { os.Args = args })
	for _, c := range []struct {
		env  string
		args []string
		want bool
	}{
		{"1", []string{"x", loadGeneratorArg}, true},
		{"", []string{"x", loadGeneratorArg}, false},
		{"1", []string{"x"}, false},
		{"1", []string{"x", "serve"}, false},
		{"1", []string{"x", loadGeneratorArg, "more"}, false},
		{"0", []string{"x", loadGeneratorArg}, false},
	} {
		t.Setenv(loadGeneratorEnv, c.env)
		os.Args = c.args
		assert.Equal(t, c.want, IsLoadGenerator(), "%q %q", c.env, c.args)
	}
}

// A program that does not hand over to RunLoadGenerator fails the GET phase at once with a message
// that says so, and one that finds itself the load generator in the bench refuses to run another.
func TestMeasureGetsWithoutAHandOver(t *testing.T) {
	exe := loadGeneratorExecutable
	t.Cleanup(func() { loadGeneratorExecutable = exe })
	loadGeneratorExecutable = func() (string, error) { return "/bin/true", nil } // answers nothing
	s := &httpServer{client: newClient("http://127.0.0.1:1", 1), secret: []byte("0123456789abcdef0123456789abcdef")}
	_, err := s.inSecondProcess(t.Context(), loadSpec{Plans: []string{"p"}, Rate: 10, Duration: time.Second, Conns: 1})
	require.ErrorContains(t, err, "hand over to bench.RunLoadGenerator")

	args := os.Args
	t.Cleanup(func() { os.Args = args })
	t.Setenv(loadGeneratorEnv, "1")
	os.Args = []string{"x", loadGeneratorArg}
	_, err = s.inSecondProcess(t.Context(), loadSpec{Plans: []string{"p"}, Rate: 10, Duration: time.Second, Conns: 1})
	require.ErrorContains(t, err, "was started as the GET phase's load generator but ran the bench")
}
