// Package thorough lets a test check a sample where checking everything proves the same property
// at many times the cost. The README's test command checks samples, so that it runs in minutes on
// two cores under the race detector; LEDGER_TEST_THOROUGH=1 checks everything (.ci/run does, in a
// step of its own without -race).
package thorough

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Env is the environment variable that turns thorough checking on ("1") and, with
// LEDGER_TEST_SEED, replays a sample.
const Env = "LEDGER_TEST_THOROUGH"

// SeedEnv names the environment variable that fixes the seed of every sample, to replay a failure.
const SeedEnv = "LEDGER_TEST_SEED"

// On reports whether tests check everything rather than a sample.
func On() bool { return os.Getenv(Env) == "1" }

// Pick returns all of all when thorough checking is on or when all has at most n items. Otherwise
// it returns n of them in their order: the first, the last, and n-2 others chosen at random with a
// seed the test logs (LEDGER_TEST_SEED replays it). A property that holds at every item is then
// checked at both ends and at a different sample each run.
func Pick[T any](t testing.TB, all []T, n int) []T {
	t.Helper()
	if On() || len(all) <= n || n < 2 {
		return all
	}
	seed := rand.Uint64()
	if s := os.Getenv(SeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("thorough: %s=%q is not a seed", SeedEnv, s)
		}
		seed = v
	}
	t.Logf("checking %d of %d, sampled with seed %d (%s=%d replays it; %s=1 checks all)", n, len(all), seed, SeedEnv, seed, Env)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	keep := make([]bool, len(all))
	keep[0], keep[len(all)-1] = true, true
	for _, i := range rng.Perm(len(all) - 2)[:n-2] {
		keep[i+1] = true
	}
	out := make([]T, 0, n)
	for i, v := range all {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}

// Size returns long when thorough checking is on, else short: the size of a soak (cycles, events,
// writers) that proves more the longer it runs.
func Size(short, long int) int {
	if On() {
		return long
	}
	return short
}
