package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Records are encoded into chunks reused from one batch to the next: what each batch stored reads
// back as written after many later batches have reused the chunks, records of every size among
// them (one larger than a chunk's share), and what is kept between batches stays bounded.
func TestRecordsOutliveTheChunksTheyWereEncodedIn(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	want := map[uuid.UUID][]byte{}
	for batch := range 40 {
		var parts []Part
		for i := range 300 {
			data := bytes.Repeat([]byte{byte('a' + (batch+i)%26)}, 1+(batch*301+i*97)%4000)
			if i == 7 {
				data = bytes.Repeat([]byte{'z'}, arenaChunk/2)
			}
			e := eventstore.Event{ID: uuid.New(), Type: "T", Data: append(append([]byte(`{"x":"`), data...), `"}`...), Metadata: []byte(fmt.Sprintf(`{"b":%d,"i":%d}`, batch, i))}
			want[e.ID] = e.Data
			parts = append(parts, Part{Stream: fmt.Sprintf("s-%d-%d", batch, i), Expected: eventstore.NoStream, Events: []eventstore.Event{e}})
		}
		_, err := s.AppendSequence(ctx, parts)
		require.NoError(t, err)
		kept := 0
		for _, c := range s.records.spare {
			kept += cap(c)
		}
		assert.LessOrEqual(t, kept, maxArenaKept)
	}
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, len(want))
	for _, rec := range all {
		require.Equal(t, want[rec.ID], rec.Data, "event at position %d", rec.Position)
	}
}
