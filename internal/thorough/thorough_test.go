package thorough

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPick(t *testing.T) {
	all := make([]int, 100)
	for i := range all {
		all[i] = i
	}
	for _, c := range []struct {
		name     string
		thorough string
		all      []int
		n, want  int
	}{
		{"a sample", "", all, 10, 10},
		{"fewer than asked", "", all[:5], 10, 5},
		{"as many as asked", "", all[:10], 10, 10},
		{"thorough", "1", all, 10, 100},
		{"anything but 1 samples", "yes", all, 10, 10},
		{"too small a sample keeps all", "", all, 1, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(Env, c.thorough)
			got := Pick(t, c.all, c.n)
			require.Len(t, got, c.want)
			assert.Equal(t, c.all[0], got[0], "the first is always checked")
			assert.Equal(t, c.all[len(c.all)-1], got[len(got)-1], "the last is always checked")
			assert.True(t, slices.IsSorted(got), "in their order")
			assert.Len(t, slices.Compact(slices.Clone(got)), len(got), "each once")
		})
	}
}

func TestPickReplaysASeed(t *testing.T) {
	all := make([]int, 1000)
	for i := range all {
		all[i] = i
	}
	t.Setenv(Env, "") // a sample, also in the run that sets LEDGER_TEST_THOROUGH=1
	t.Setenv(SeedEnv, "42")
	a, b := Pick(t, all, 20), Pick(t, all, 20)
	assert.Equal(t, a, b, "the same seed picks the same sample")
	t.Setenv(SeedEnv, "43")
	assert.NotEqual(t, a, Pick(t, all, 20), "another seed another sample")
}

func TestSize(t *testing.T) {
	t.Setenv(Env, "")
	assert.Equal(t, 3, Size(3, 50))
	t.Setenv(Env, "1")
	assert.Equal(t, 50, Size(3, 50))
}
