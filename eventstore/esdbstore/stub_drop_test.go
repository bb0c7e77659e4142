package esdbstore

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven: a connection that goes in the middle of an append is not a size refusal.

// cutter is a TCP relay in front of a stub node that closes a connection once more than limit
// bytes have gone from the client through it: a node restarting, or the network failing, while
// a large append is being sent. After the first cut it relays again, or, with down, accepts and
// closes every connection (the node stays away).
type cutter struct {
	addr  string
	limit int64
	down  bool
	cuts  atomic.Int32
}

func startCutter(t *testing.T, target string, limit int64, down bool) *cutter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &cutter{addr: l.Addr().String(), limit: limit, down: down}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	track := func(cs ...net.Conn) {
		mu.Lock()
		defer mu.Unlock()
		open = append(open, cs...)
	}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			if c.down && c.cuts.Load() > 0 {
				_ = in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			track(in, out)
			wg.Add(2)
			go func() { // server to client
				defer wg.Done()
				_, _ = io.Copy(in, out)
				_ = in.Close()
			}()
			go func() { // client to server, cut past the limit while nothing was cut yet
				defer wg.Done()
				defer out.Close()
				defer in.Close()
				var sent int64
				buf := make([]byte, 32<<10)
				for {
					n, err := in.Read(buf)
					if n > 0 {
						sent += int64(n)
						if sent > c.limit && c.cuts.Load() == 0 {
							c.cuts.Add(1)
							return
						}
						if _, werr := out.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, conn := range open {
			_ = conn.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return c
}

// TestStubConnectionDroppedDuringAnAppend: the connection goes while a large append is being
// sent, which the client reports as the same io.EOF as a server's refusal for size. Sent once
// more, the append lands when the node is there (written once, with its result), and is
// ErrUnavailable (503, retry with the same Idempotency-Key) when it is not: never the 422 of a
// refusal.
func TestStubConnectionDroppedDuringAnAppend(t *testing.T) {
	for _, down := range []bool{false, true} {
		name := map[bool]string{false: "node back", true: "node gone"}[down]
		t.Run(name, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			relay := startCutter(t, node.addr, 200<<10, down)
			s, err := Open("esdb://"+relay.addr+"?tls=false&maxDiscoverAttempts=1&discoveryInterval=1&gossipTimeout=1",
				Options{Retries: 2, MinBackoff: 1, MaxBackoff: 4})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })

			events := []eventstore.Event{ev(300 << 10), ev(300 << 10), ev(300 << 10)}
			res, err := s.Append(t.Context(), "plan-1", eventstore.NoStream, events...)
			require.EqualValues(t, 1, relay.cuts.Load(), "the connection was cut during the append")
			require.NotErrorIs(t, err, eventstore.ErrInvalidAppend, "not a refusal")
			stored := log.stream("plan-1")
			if down {
				require.ErrorIs(t, err, eventstore.ErrUnavailable)
				assert.Empty(t, stored)
				return
			}
			require.NoError(t, err)
			require.Len(t, stored, 3, "written once")
			assert.Equal(t, stored[2].pos, res.Position)
			assert.Equal(t, 2, node.count("append"), "sent once more after the cut")
		})
	}
}
