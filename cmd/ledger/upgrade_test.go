package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
)

// A data directory whose store file an earlier build wrote (format 1: compat's real fixture) is
// upgraded by the first command that opens it, which says so on stderr and names the copy it kept;
// the ledger then verifies, and the next command has nothing to upgrade.
func TestFirstOpenUpgradesAFormat1StoreAndSaysSo(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", "fixture-v1", "ledger.db"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(storeFile(dir), old, 0o600))

	code, out, errOut := runCLI(t, "verify", "--data", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "ok: every chain verifies")
	assert.Contains(t, errOut, "store file upgraded from format 1 to format 2")
	copies, err := filepath.Glob(storeFile(dir) + ".format1-*")
	require.NoError(t, err)
	require.Len(t, copies, 1)
	assert.Contains(t, errOut, copies[0])
	db, err := bbolt.Open(copies[0], 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		assert.Equal(t, binary.BigEndian.AppendUint64(nil, 1), tx.Bucket([]byte("meta")).Get([]byte("version")), "the copy is still format 1")
		assert.NotNil(t, tx.Bucket([]byte("heads")))
		return nil
	}))
	require.NoError(t, db.Close())

	code, _, errOut = runCLI(t, "verify", "--data", dir)
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, errOut, "upgraded")
}
