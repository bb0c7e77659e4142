package main

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribeBuild(t *testing.T) {
	for _, tc := range []struct {
		name     string
		version  string
		settings map[string]string
		want     string
	}{
		{name: "go run", want: "(devel), no VCS revision recorded (go1.26.8)"},
		{name: "a clean checkout", version: "v1.2.0", settings: map[string]string{"vcs.revision": "bcd7124f", "vcs.time": "2026-12-07T17:48:10Z", "vcs.modified": "false"},
			want: "v1.2.0, revision bcd7124f of 2026-12-07T17:48:10Z (go1.26.8)"},
		{name: "uncommitted changes", settings: map[string]string{"vcs.revision": "bcd7124f", "vcs.modified": "true"},
			want: "(devel), revision bcd7124f with uncommitted changes (go1.26.8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "assurance-ledger", Version: tc.version}}
			for k, v := range tc.settings {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
			}
			assert.Equal(t, tc.want, describeBuild(bi))
		})
	}
}

func TestVersionFlag(t *testing.T) {
	code, out, errOut := runCLI(t, "--version")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "ledger "), out)
	assert.Equal(t, "ledger "+version()+"\n", out)
}
