package esdbstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// These tests drive the paging of ReadAll and Head over a log held in memory, read the two ways a
// server could treat a start position (including the event there, as EventStoreDB's reads do, or
// not): the paging must be right either way. They test the paging, not a server.

// memLog is $all: events at increasing positions, some of them the server's own.
type memLog []*esdb.RecordedEvent

// newLog makes n events at positions 100, 200, …; every fifth is a system event.
func newLog(n int) memLog {
	log := make(memLog, n)
	for i := range log {
		stream, typ := fmt.Sprintf("plan-%d", i%7), "PlanRevised"
		if i%5 == 4 {
			stream, typ = "$stats-node", "$statsCollected"
		}
		p := uint64(100 * (i + 1))
		log[i] = &esdb.RecordedEvent{EventID: uuid.New(), StreamID: stream, EventType: typ, Position: esdb.Position{Commit: p, Prepare: p}}
	}
	return log
}

func (l memLog) own() []eventstore.Position {
	var out []eventstore.Position
	for _, e := range l {
		if !isSystem(e.StreamID, e.EventType) {
			out = append(out, e.Position.Commit)
		}
	}
	return out
}

// forwards reads like a server; inclusive says whether a read from a position includes the event
// there. It records the reads.
func (l memLog) forwards(inclusive bool, reads *int) pageReader {
	return func(from eventstore.Position, count uint64) ([]*esdb.RecordedEvent, error) {
		*reads++
		var out []*esdb.RecordedEvent
		for _, e := range l {
			p := e.Position.Commit
			if from == 0 || p > from || inclusive && p == from {
				if uint64(len(out)) == count {
					break
				}
				out = append(out, e)
			}
		}
		return out, nil
	}
}

func (l memLog) backwards(inclusive bool) func(esdb.AllPosition, uint64) ([]*esdb.RecordedEvent, error) {
	return func(from esdb.AllPosition, count uint64) ([]*esdb.RecordedEvent, error) {
		var out []*esdb.RecordedEvent
		for i := len(l) - 1; i >= 0; i-- {
			p := l[i].Position.Commit
			if pos, ok := from.(esdb.Position); ok && (p > pos.Commit || p == pos.Commit && !inclusive) {
				continue
			}
			if uint64(len(out)) == count {
				break
			}
			out = append(out, l[i])
		}
		return out, nil
	}
}

func TestReadAllPages(t *testing.T) {
	log := newLog(1300) // more than two pages of readPage
	own := log.own()
	cases := []struct {
		name  string
		after eventstore.Position
		limit int
		want  []eventstore.Position
	}{
		{"everything", 0, 0, own},
		{"no limit, negative", 0, -1, own},
		{"first three", 0, 3, own[:3]},
		{"one after an event", own[10], 1, own[11:12]},
		{"after an event, many pages", own[1], 0, own[2:]},
		{"after a system event", log[4].Position.Commit, 2, own[4:6]},
		{"a limit across pages", own[0], 700, own[1:701]},
		{"after the last", own[len(own)-1], 0, nil},
		{"after the last, limit", own[len(own)-1], 5, nil},
	}
	for _, inclusive := range []bool{true, false} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/inclusive=%v", tc.name, inclusive), func(t *testing.T) {
				reads := 0
				got, err := readAllPages(names{}, tc.after, tc.limit, log.forwards(inclusive, &reads))
				require.NoError(t, err)
				if tc.want == nil {
					assert.Empty(t, got)
				} else {
					assert.Equal(t, tc.want, positions(got))
				}
				assert.Less(t, reads, 10, "pages, not event by event")
			})
		}
	}
}

func TestReadAllPagesStops(t *testing.T) {
	stuck := func(from eventstore.Position, count uint64) ([]*esdb.RecordedEvent, error) {
		out := make([]*esdb.RecordedEvent, count) // a full page that never moves on
		for i := range out {
			out[i] = &esdb.RecordedEvent{StreamID: "$x", EventType: "$y", Position: esdb.Position{Commit: 5}}
		}
		return out, nil
	}
	_, err := readAllPages(names{}, 5, 0, stuck)
	assert.ErrorContains(t, err, "does not move on")

	boom := errors.New("boom")
	_, err = readAllPages(names{}, 0, 0, func(eventstore.Position, uint64) ([]*esdb.RecordedEvent, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
}

func TestNewestOwn(t *testing.T) {
	cases := []struct {
		name string
		log  memLog
		want eventstore.Position
	}{
		{"empty", nil, 0},
		{"the last event", newLog(3), 300},
		{"before trailing system events", newLog(5), 400},
		{"only system events", func() memLog { l := newLog(5); return l[4:] }(), 0},
	}
	// Many system events at the end: more than a page of them.
	long := newLog(10)
	for i := range 3 * headPage {
		p := uint64(2000 + i)
		long = append(long, &esdb.RecordedEvent{StreamID: "$epoch-information", EventType: "$epoch", Position: esdb.Position{Commit: p, Prepare: p}})
	}
	cases = append(cases, struct {
		name string
		log  memLog
		want eventstore.Position
	}{"behind pages of system events", long, 900})

	for _, inclusive := range []bool{true, false} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/inclusive=%v", tc.name, inclusive), func(t *testing.T) {
				got, err := newestOwn(names{}, tc.log.backwards(inclusive))
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			})
		}
	}
}
