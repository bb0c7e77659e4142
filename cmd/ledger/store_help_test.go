package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoreHelpNamesStreamPrefix: the --store help of the commands that take a store says how
// ledgers share an EventStoreDB server, since no flag does.
func TestStoreHelpNamesStreamPrefix(t *testing.T) {
	for _, cmd := range []string{"serve", "verify"} {
		t.Run(cmd, func(t *testing.T) {
			code, out, errOut := runCLI(t, cmd, "--help")
			require.Equal(t, 0, code, errOut)
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "--store ") {
					line = l
				}
			}
			require.NotEmpty(t, line, "no --store in:\n%s", out)
			assert.Contains(t, line, "streamPrefix")
			assert.Contains(t, line, `ending with "."`)
		})
	}
}
