package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The help states what a flag does, no more: verify --bundle reads a ledger only when one is named,
// so its --data shows no default; --rate-limit covers the dashboard's pages as well as /v1.
func TestHelpSaysWhatFlagsDo(t *testing.T) {
	for _, tc := range []struct {
		cmd, flag string
		has       []string
		hasnt     []string
	}{
		{cmd: "verify", flag: "--data", has: []string{"except with --bundle"}, hasnt: []string{`(default "./ledger-data")`}},
		{cmd: "serve", flag: "--rate-limit", has: []string{"/v1 and the dashboard"}},
		{cmd: "serve", flag: "--log-format", has: []string{"json, text, or auto"}},
		{cmd: "token", flag: "--init", has: []string{"create the secret"}},
	} {
		t.Run(tc.cmd+" "+tc.flag, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.cmd, "--help")
			require.Equal(t, 0, code, errOut)
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), tc.flag+" ") {
					line = l
					break
				}
			}
			require.NotEmpty(t, line, "no %s in:\n%s", tc.flag, out)
			for _, s := range tc.has {
				assert.Contains(t, line, s)
			}
			for _, s := range tc.hasnt {
				assert.NotContains(t, line, s)
			}
		})
	}
}
