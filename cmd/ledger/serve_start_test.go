package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore/boltstore"
)

// serve --demo binds its address before seeding: a port already taken stops it with the store as
// it was, empty, so that the next start on a free port seeds it.
func TestServeDemoOnATakenPortWritesNothing(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "serve", "--demo", "--addr", taken.Addr().String(), "--data", dir)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "listen on "+taken.Addr().String())
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	head, err := s.Head(context.Background())
	require.NoError(t, err)
	assert.Zero(t, head, "nothing was seeded")
}

func TestResolveLogFormat(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devNull.Close()
	for _, tc := range []struct {
		name, flag string
		w          io.Writer
		want       string
		fails      bool
	}{
		{name: "json asked for", flag: "json", w: &bytes.Buffer{}, want: logJSON},
		{name: "text asked for", flag: "text", w: &bytes.Buffer{}, want: logText},
		{name: "auto to a buffer", flag: "auto", w: &bytes.Buffer{}, want: logJSON},
		{name: "auto to /dev/null, a character device but no terminal", flag: "auto", w: devNull, want: logJSON},
		{name: "unknown", flag: "yaml", w: &bytes.Buffer{}, fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveLogFormat(tc.flag, tc.w)
			if tc.fails {
				assert.ErrorContains(t, err, "--log-format")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// With a text log, the first thing a person reads says where the service answers and how to sign
// in; with the JSON log (the default off a terminal) every line is still one JSON object.
func TestServeStartLineByLogFormat(t *testing.T) {
	for _, format := range []string{logText, logJSON} {
		t.Run(format, func(t *testing.T) {
			data := t.TempDir()
			p := startServe(t, data, nil, "--log-format", format)
			require.NoError(t, p.waitReady(30*time.Second))
			banner := "ledger is serving on " + p.base + ": the API under " + p.base + "/v1, the dashboard at " + p.base + "/"
			if format == logText {
				// The line follows the log's "serving" record, written as the server starts.
				require.Eventually(t, func() bool { return strings.Contains(p.stderr.String(), banner) }, 5*time.Second, 20*time.Millisecond)
				out := p.stderr.String()
				assert.Contains(t, out, "ledger token --data "+data+" --sub ID --name NAME --role ROLE --org ODS --login-url "+p.base)
				return
			}
			require.Eventually(t, func() bool { return strings.Contains(p.stderr.String(), `"msg":"serving"`) }, 5*time.Second, 20*time.Millisecond)
			time.Sleep(200 * time.Millisecond) // where the text log's line would have come by now
			out := p.stderr.String()
			assert.NotContains(t, out, "ledger is serving")
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				assert.True(t, json.Valid([]byte(line)), "not JSON: %s", line)
			}
		})
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"./ledger-data": "./ledger-data",
		"/var/lib/x":    "/var/lib/x",
		"my ledger":     "'my ledger'",
		"it's":          `'it'\''s'`,
		"":              "''",
		"$HOME/l":       "'$HOME/l'",
	} {
		assert.Equal(t, want, shellWord(in), in)
	}
}
