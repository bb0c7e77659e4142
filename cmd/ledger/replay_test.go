package main

import (
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
