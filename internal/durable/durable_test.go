package durable

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/internal/lazyfs"
)

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600))
	require.NoError(t, SyncDir(dir))
	require.Error(t, SyncDir(filepath.Join(dir, "missing")), "a directory that is not there is an error")
}

func TestMkdirAll(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	require.NoError(t, MkdirAll(deep, 0o700))
	st, err := os.Stat(deep)
	require.NoError(t, err)
	assert.True(t, st.IsDir())
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
	require.NoError(t, MkdirAll(deep, 0o700), "an existing directory is no error")
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	assert.ErrorContains(t, MkdirAll(file, 0o700), "not a directory")
	assert.ErrorContains(t, MkdirAll(filepath.Join(file, "d"), 0o700), "not a directory")
}

// The directories MkdirAll creates are there after a power cut that keeps nothing unsynced; those
// os.MkdirAll creates are not (the data directory a first start creates, found by TestPowerLoss).
func TestMkdirAllSurvivesAPowerCut(t *testing.T) {
	fs := lazyfs.MountForTest(t)
	require.NoError(t, MkdirAll(filepath.Join(fs.Dir(), "a", "b"), 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(fs.Dir(), "x", "y"), 0o700))
	fs.Crash(lazyfs.DropUnsynced, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, fs.Remount())
	assert.DirExists(t, filepath.Join(fs.Dir(), "a", "b"))
	assert.NoDirExists(t, filepath.Join(fs.Dir(), "x"), "os.MkdirAll alone is not durable")
}
