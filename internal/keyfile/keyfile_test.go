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
