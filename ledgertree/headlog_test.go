package ledgertree_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/internal/lazyfs"
	"assurance-ledger/ledgertree"
)

// Heads are signed once per tree size, stored before they are returned, and read back in order
// after a restart.
func TestHeadLogStoresOneHeadPerSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), ledgertree.HeadsFile)
	s := testSigner(t, 'k')
	tree, leaves := buildTree(t, 5)
	log, err := ledgertree.OpenHeadLog(path, s)
	require.NoError(t, err)

	first, err := log.Head(tree)
	require.NoError(t, err)
	again, err := log.Head(tree)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the same size gives the stored head")
	_, err = tree.Append(leaf(len(leaves)))
	require.NoError(t, err)
	second, err := log.Head(tree)
	require.NoError(t, err)
	assert.Equal(t, uint64(6), second.TreeSize)

	stored, err := ledgertree.ReadHeads(path)
	require.NoError(t, err)
	assert.Equal(t, []ledgertree.TreeHead{first, second}, stored)
	for _, h := range stored {
		assert.NoError(t, ledgertree.VerifyTreeHead(s.PublicKey(), h))
	}
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	reopened, err := ledgertree.OpenHeadLog(path, s)
	require.NoError(t, err)
	h, err := reopened.Head(tree)
	require.NoError(t, err)
	assert.Equal(t, second, h, "after a restart the stored head of this size is reused")
}

// Keep stores a last head when it is stopped, once the follower is ready.
func TestHeadLogKeepStoresAHeadAtShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), ledgertree.HeadsFile)
	log, err := ledgertree.OpenHeadLog(path, testSigner(t, 'k'))
	require.NoError(t, err)
	tree, _ := buildTree(t, 3)
	f := ledgertree.NewFollower(tree, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	log.Keep(ctx, f, time.Hour) // not ready: nothing stored
	heads, err := ledgertree.ReadHeads(path)
	require.NoError(t, err)
	assert.Empty(t, heads, "a tree still catching up is not signed")

	store := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	register(t, command.NewHandler(store, command.Options{}), 0, 3)
	ready := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, ready.CatchUp(context.Background(), store))
	log.Keep(ctx, ready, time.Hour)
	heads, err = ledgertree.ReadHeads(path)
	require.NoError(t, err)
	require.Len(t, heads, 1)
	assert.Equal(t, uint64(3), heads[0].TreeSize)
}

func TestReadHeadsRefusesAMalformedLine(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, err string
	}{
		{"missing file", "", ""},
		{"unfinished last line", "{\"tree_si", ""},
		{"torn last line", "{\"tree_si\x00\x00\x00\x00:1}\n", ""},
		{"a NUL before the last line", "{\"tree_size\":1\x00}\n{\"tree_size\":1}\n", "line 1"},
		{"not json", "{\"tree_size\":1}\nnope\n", "line 2"},
		{"unknown member", "{\"tree_size\":1,\"extra\":true}\n", "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
			}
			heads, err := ledgertree.ReadHeads(path)
			if tc.err == "" {
				assert.NoError(t, err)
				assert.Empty(t, heads)
				return
			}
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// A head line a crash cut short is dropped when the log is reopened, and the next head is appended on
// a line of its own.
func TestHeadLogDropsALineACrashCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), ledgertree.HeadsFile)
	s := testSigner(t, 'k')
	tree, _ := buildTree(t, 3)
	log, err := ledgertree.OpenHeadLog(path, s)
	require.NoError(t, err)
	first, err := log.Head(tree)
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"tree_size":4,"root_ha`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	heads, err := ledgertree.ReadHeads(path)
	require.NoError(t, err)
	assert.Equal(t, []ledgertree.TreeHead{first}, heads)

	log, err = ledgertree.OpenHeadLog(path, s)
	require.NoError(t, err)
	_, err = tree.Append(leaf(3))
	require.NoError(t, err)
	second, err := log.Head(tree)
	require.NoError(t, err)
	heads, err = ledgertree.ReadHeads(path)
	require.NoError(t, err)
	assert.Equal(t, []ledgertree.TreeHead{first, second}, heads)
}

// A head line a power cut tore (the file grown to its end, some of its sectors never written, so
// zero) is dropped when the log is reopened, as a line without its newline is; a head before it is
// kept, and the next head is appended after it.
func TestHeadLogDropsALineAPowerCutTore(t *testing.T) {
	for _, tail := range []string{"\n", ""} {
		path := filepath.Join(t.TempDir(), ledgertree.HeadsFile)
		s := testSigner(t, 'k')
		tree, _ := buildTree(t, 3)
		log, err := ledgertree.OpenHeadLog(path, s)
		require.NoError(t, err)
		first, err := log.Head(tree)
		require.NoError(t, err)
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteString(strings.Repeat("\x00", 512) + `a","timestamp":"2026-01-01T00:00:00Z"}` + tail)
		require.NoError(t, err)
		require.NoError(t, f.Close())

		heads, err := ledgertree.ReadHeads(path)
		require.NoError(t, err)
		assert.Equal(t, []ledgertree.TreeHead{first}, heads)
		log, err = ledgertree.OpenHeadLog(path, s)
		require.NoError(t, err)
		_, err = tree.Append(leaf(3))
		require.NoError(t, err)
		second, err := log.Head(tree)
		require.NoError(t, err)
		heads, err = ledgertree.ReadHeads(path)
		require.NoError(t, err)
		assert.Equal(t, []ledgertree.TreeHead{first, second}, heads)
	}
}

// A head given out is in the head log after a power cut, the first one too, which created the file.
func TestHeadLogSurvivesAPowerCut(t *testing.T) {
	for _, mode := range lazyfs.Modes {
		t.Run(mode.String(), func(t *testing.T) {
			fs := lazyfs.MountForTest(t)
			path := filepath.Join(fs.Dir(), ledgertree.HeadsFile)
			log, err := ledgertree.OpenHeadLog(path, testSigner(t, 'k'))
			require.NoError(t, err)
			tree, leaves := buildTree(t, 3)
			first, err := log.Head(tree)
			require.NoError(t, err)
			_, err = tree.Append(leaf(len(leaves)))
			require.NoError(t, err)
			second, err := log.Head(tree)
			require.NoError(t, err)
			fs.Crash(mode, rand.New(rand.NewPCG(uint64(mode), 1)))
			require.NoError(t, fs.Remount())
			stored, err := ledgertree.ReadHeads(path)
			require.NoError(t, err)
			assert.Equal(t, []ledgertree.TreeHead{first, second}, stored)
		})
	}
}
