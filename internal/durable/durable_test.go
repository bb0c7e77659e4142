package durable

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	require.NoError(t, WriteFile(path, []byte("one"), 0o644))
	require.NoError(t, WriteFile(path, []byte("two"), 0o644))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")
	assert.Error(t, WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644))
}

// A power cut anywhere in WriteFile leaves the file's old content or its new one, whole, in every
// crash mode; once WriteFile returned, the new one.
func TestWriteFileSurvivesAPowerCut(t *testing.T) {
	old, new := strings.Repeat("o", 5000), strings.Repeat("n", 9000)
	for _, mode := range lazyfs.Modes {
		for n := 1; n <= 4; n++ {
			fs := lazyfs.MountForTest(t)
			path := filepath.Join(fs.Dir(), "bundle.json")
			require.NoError(t, WriteFile(path, []byte(old), 0o644))
			fired := fs.CrashAfter(n, "", mode, rand.New(rand.NewPCG(uint64(n), uint64(mode))))
			err := WriteFile(path, []byte(new), 0o644)
			select {
			case <-fired:
			default:
				require.NoError(t, err)
				fs.Crash(mode, rand.New(rand.NewPCG(1, 1)))
			}
			require.NoError(t, fs.Remount())
			got, rerr := os.ReadFile(path)
			require.NoError(t, rerr, "%s, cut at change %d", mode, n)
			if err == nil {
				assert.Equal(t, new, string(got), "%s, cut at change %d after WriteFile returned", mode, n)
			} else {
				assert.True(t, string(got) == old || string(got) == new, "%s, cut at change %d: %d bytes, neither old nor new", mode, n, len(got))
			}
			require.NoError(t, fs.Unmount())
		}
	}
}
