package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReplayCountsTheLog(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	code, out, errOut := runCLI(t, "replay", "--data", dir)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "events: 3\n")
	assert.Contains(t, out, "head_position: 3\n")
	assert.Contains(t, out, "organisations: 3\n")
	assert.Contains(t, out, "plans: 0\n")
	assert.Contains(t, out, "events_per_sec: ")
}

// The collector is paced by --heap-budget-mib (1024 by default), unless the environment sets GOGC
// or GOMEMLIMIT, or the flag is 0.
func TestReplayPacesTheCollector(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	for _, tc := range []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"default", "", nil, "heap_budget_mib: 1024\n"},
		{"flag", "", []string{"--heap-budget-mib", "256"}, "heap_budget_mib: 256\n"},
		{"flag zero", "", []string{"--heap-budget-mib", "0"}, "heap_budget_mib: 0\n"},
		{"GOGC set", "GOGC", []string{"--heap-budget-mib", "256"}, "heap_budget_mib: 0\n"},
		{"GOMEMLIMIT set", "GOMEMLIMIT", nil, "heap_budget_mib: 0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			if tc.env == "GOGC" {
				t.Setenv("GOGC", "100")
			} else if tc.env == "GOMEMLIMIT" {
				t.Setenv("GOMEMLIMIT", "8GiB")
			}
			code, out, errOut := runCLI(t, append([]string{"replay", "--data", dir}, tc.args...)...)
			assert.Equal(t, 0, code, errOut)
			assert.Contains(t, out, tc.want)
		})
	}
}

// A budget too large to mean anything is refused before anything is opened or written.
func TestHeapBudgetTooLargeIsRefused(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	fresh := filepath.Join(t.TempDir(), "never-created")
	for _, args := range [][]string{{"replay", "--data", dir}, {"bench", "--data", dir}, {"serve", "--data", fresh, "--addr", "127.0.0.1:0"}} {
		code, _, errOut := runCLI(t, append(args, "--heap-budget-mib", "17592186044416")...)
		assert.NotEqual(t, 0, code, args[0])
		assert.Contains(t, errOut, "--heap-budget-mib 17592186044416 is more than 16777216 (16 TiB)", args[0])
	}
	assert.NoDirExists(t, fresh, "serve wrote nothing")
}
