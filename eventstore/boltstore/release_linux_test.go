package boltstore_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// mappedKB is the resident size, in kB, of the process's mappings of the file at path
// (/proc/self/smaps), the part of RSS that ReleaseMapped gives back.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"): // a mapping's header line
			in = len(fields) >= 6 && fields[5] == path
		case in && len(fields) >= 2 && fields[0] == "Rss:":
			kb, err := strconv.Atoi(fields[1])
			require.NoError(t, err)
			total += kb
		}
	}
	require.NoError(t, sc.Err())
	return total
}

func TestReleaseMappedGivesBackTheFilesPagesAndReadsGoOn(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	appendBulky(t, s, 40)
	before, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, before, 4000)
	read := mappedKB(t, path)
	require.Greater(t, read, 4000, "reading ~8 MB of events maps the file's pages")

	require.NoError(t, s.ReleaseMapped())
	assert.Less(t, mappedKB(t, path), read/10, "released")

	after, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, before, after, "reads fault the pages back in, unchanged")
	_, err = s.Append(ctx, "s-more", eventstore.NoStream, newEvent("E", `{"note":"more"}`))
	require.NoError(t, err, "and the store still takes appends")

	require.NoError(t, s.Close())
	require.ErrorIs(t, s.ReleaseMapped(), eventstore.ErrClosed)
}

// appendBulky appends streams streams of 100 events of ~2 KB each to s.
func appendBulky(t *testing.T, s *boltstore.Store, streams int) {
	t.Helper()
	body := `{"note":"` + strings.Repeat("x", 2000) + `"}`
	for i := range streams {
		evs := make([]eventstore.Event, 100)
		for j := range evs {
			evs[j] = newEvent("E", body)
		}
		_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", i), eventstore.NoStream, evs...)
		require.NoError(t, err)
	}
}
