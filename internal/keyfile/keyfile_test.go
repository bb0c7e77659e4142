package keyfile

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreatedOnceWithMode0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	calls := 0
	gen := func() (string, error) { calls++; return "first", nil }
	s, err := LoadOrCreate(dir, "k", gen)
	require.NoError(t, err)
	assert.Equal(t, "first", s)
	st, err := os.Stat(filepath.Join(dir, "k"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	again, err := LoadOrCreate(dir, "k", func() (string, error) { return "second", nil })
	require.NoError(t, err)
	assert.Equal(t, "first", again, "an existing secret is never replaced")
	assert.Equal(t, 1, calls)
}

func TestConcurrentStartsAgreeOnOneSecret(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := LoadOrCreate(dir, "k", func() (string, error) { return string(rune('a' + i)), nil })
			assert.NoError(t, err)
			got[i] = s
		}()
	}
	wg.Wait()
	for _, s := range got {
		assert.Equal(t, got[0], s)
	}
}

func TestGenerateFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadOrCreate(dir, "k", func() (string, error) { return "", errors.New("no entropy") })
	assert.ErrorContains(t, err, "no entropy")
	_, err = os.Stat(filepath.Join(dir, "k"))
	assert.True(t, os.IsNotExist(err))
}

// A secret file that exists but holds nothing (left by a crash of an earlier build between creating
// and writing it) is refused with what to do, never taken for the secret "" nor replaced.
func TestAnEmptySecretFileIsRefused(t *testing.T) {
	for _, content := range []string{"", "\n", "  \t\n"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "k")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		_, err := LoadOrCreate(dir, "k", func() (string, error) { return "new", nil })
		require.ErrorContains(t, err, path+" is empty")
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, string(b), "left as it was")
	}
}

// Creating a secret leaves the secret's file and nothing else in the directory.
func TestCreatingLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadOrCreate(dir, "k", func() (string, error) { return "s", nil })
	require.NoError(t, err)
	_, err = LoadOrCreate(dir, "k", func() (string, error) { return "t", nil })
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "k", entries[0].Name())
}

func TestAnEmptyGeneratedSecretIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadOrCreate(dir, "k", func() (string, error) { return " ", nil })
	require.ErrorContains(t, err, "empty")
	_, err = os.Stat(filepath.Join(dir, "k"))
	assert.True(t, os.IsNotExist(err))
}
