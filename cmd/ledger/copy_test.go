package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCopyEmbeddedToEmbeddedThenVerify(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "new")
	writeLedger(t, src)

	code, out, errOut := runCLI(t, "copy", "--from", src, "--to", dst)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "copying embedded store "+storeFile(src)+" to embedded store "+storeFile(dst))
	assert.Contains(t, out, "done: 3 events in 1 streams, 3 copied now, 0 already there")
	assert.Contains(t, out, "next: ledger verify --data "+dst)

	code, out, errOut = runCLI(t, "verify", "--data", dst)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "checked 3 events in 1 streams")

	// Run again: everything is there already.
	code, out, errOut = runCLI(t, "copy", "--from", src, "--to", dst)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "0 copied now, 3 already there")
}

func TestCopyRefusesATargetHoldingAnotherLedger(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeLedger(t, src)
	writeLedger(t, dst) // the same commands, but other event ids

	code, out, errOut := runCLI(t, "copy", "--from", src, "--to", dst)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "refusing to copy: stream registry revision ")
	assert.Contains(t, errOut, "the target holds another event there")
	assert.NotContains(t, out, "done:")
}

func TestCopyArguments(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"copy", "--from", dir}, "needs --from and --to"},
		{"no source", []string{"copy", "--to", dir}, "needs --from and --to"},
		{"same directory", []string{"copy", "--from", dir, "--to", dir + "/."}, "name the same store"},
		{"same server", []string{"copy", "--from", "esdb://a:2113", "--to", "esdb://a:2113"}, "name the same store"},
		{"missing source", []string{"copy", "--from", filepath.Join(dir, "nothing"), "--to", t.TempDir()}, "source: no ledger store at"},
		{"bad target connection string", []string{"copy", "--from", dir, "--to", "esdb://admin:pw@db:2113?tls=false"}, "target: --store: invalid EventStoreDB connection string esdb://***@db:2113?tls=false: credentials need TLS"},
		{"unknown option", []string{"copy", "--from", "esdb://db:2113?tsl=false", "--to", t.TempDir()}, `unknown option "tsl"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut, tc.want)
			assert.NotContains(t, errOut, ":pw@")
		})
	}
}

func TestStoreFlagWithEventStoreDB(t *testing.T) {
	t.Run("invalid connection string", func(t *testing.T) {
		code, _, errOut := runCLI(t, "verify", "--store", "esdb://localhost:2113?nodePreference=master")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "nodePreference")
	})
	t.Run("neither embedded nor esdb", func(t *testing.T) {
		code, _, errOut := runCLI(t, "verify", "--store", "postgres://localhost")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, `--store must be "embedded" or an esdb:// connection string`)
	})
	t.Run("no server there", func(t *testing.T) {
		// A real connection attempt to a closed local port: no server is needed to see the message.
		conn := fmt.Sprintf("esdb://127.0.0.1:%d?tls=false&maxDiscoverAttempts=1&gossipTimeout=1", closedPort(t))
		code, _, errOut := runCLI(t, "verify", "--store", conn)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "EventStoreDB does not answer")
		assert.Contains(t, errOut, "unavailable")
	})
}
