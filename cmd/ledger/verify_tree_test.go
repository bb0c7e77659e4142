package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

// verify reports the root of the tree the service would sign, in both output forms.
func TestVerifyReportsTheTreeRoot(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), s))
	root, err := f.Tree().Root(3)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	want := hex.EncodeToString(root)

	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"text", []string{"verify", "--data", dir}, func(t *testing.T, out string) {
			assert.Contains(t, out, fmt.Sprintf("tree: 3 leaves, root %s\n", want))
		}},
		{"json", []string{"verify", "--data", dir, "--json"}, func(t *testing.T, out string) {
			var rep struct {
				Events int `json:"events"`
				Tree   struct {
					Size uint64 `json:"tree_size"`
					Root string `json:"root_hash"`
				} `json:"tree"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
			assert.Equal(t, 3, rep.Events, "the chain report's members are still there")
			assert.Equal(t, uint64(3), rep.Tree.Size)
			assert.Equal(t, want, rep.Tree.Root)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			require.Equal(t, 0, code, errOut)
			tc.check(t, out)
		})
	}
}
