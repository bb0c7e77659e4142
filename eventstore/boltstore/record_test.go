package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func sampleRecord() eventstore.RecordedEvent {
	return eventstore.RecordedEvent{
		ID:         uuid.MustParse("0190f0c4-7a4e-7cc2-9f3a-1f2e3d4c5b6a"),
		Stream:     "acct-42",
		Revision:   7,
		Type:       "FundsPosted",
		Data:       []byte(`{"amount":100}`),
		Metadata:   []byte(`{"actor":"ann"}`),
		RecordedAt: time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC),
	}
}

// reseal replaces the checksum of an encoded record, so that a test can reach the structure checks
// behind it.
func reseal(pos eventstore.Position, rec []byte) []byte {
	body := bytes.Clone(rec[:len(rec)-checksumLen])
	return binary.BigEndian.AppendUint32(body, recordChecksum(pos, body))
}

func TestRecordRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*eventstore.RecordedEvent)
	}{
		{"typical", func(*eventstore.RecordedEvent) {}},
		{"empty data and metadata", func(r *eventstore.RecordedEvent) { r.Data, r.Metadata = nil, nil }},
		{"binary data", func(r *eventstore.RecordedEvent) { r.Data = []byte{0, 0xff, 0x80, 0} }},
		{"field longer than one varint byte", func(r *eventstore.RecordedEvent) { r.Data = bytes.Repeat([]byte("x"), 300) }},
		{"largest revision", func(r *eventstore.RecordedEvent) { r.Revision = ^uint64(0) }},
		{"before 1970", func(r *eventstore.RecordedEvent) { r.RecordedAt = time.Date(1969, 7, 20, 20, 17, 0, 1, time.UTC) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord()
			tc.modify(&r)
			const pos = 1234
			b := encodeRecord(pos, &r)
			require.Len(t, b, recordLen(r.Stream, eventstore.Event{Type: r.Type, Data: r.Data, Metadata: r.Metadata}))

			got, err := decodeRecord(pos, b)
			require.NoError(t, err)
			r.Position = pos
			require.Equal(t, r, got)
			require.Equal(t, time.UTC, got.RecordedAt.Location())

			// The decoded record must not share memory with the stored bytes.
			if len(got.Data) > 0 {
				clear(b)
				require.Equal(t, r.Data, got.Data)
			}
		})
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	const pos = 99
	r := sampleRecord()
	valid := encodeRecord(pos, &r)
	body := valid[:len(valid)-checksumLen]
	streamAt := headerLen // the stream's length prefix
	withBody := func(f func(b []byte) []byte) []byte {
		return reseal(pos, append(f(bytes.Clone(body)), 0, 0, 0, 0))
	}

	cases := []struct {
		name   string
		pos    eventstore.Position
		rec    []byte
		reason string
	}{
		{"empty", pos, nil, "shorter than any valid record"},
		{"header only", pos, valid[:headerLen], "shorter than any valid record"},
		{"unknown version", pos, append([]byte{2}, valid[1:]...), "unknown record version 2"},
		{"flipped data bit", pos, flip(valid, len(valid)-10), "checksum mismatch"},
		{"flipped checksum bit", pos, flip(valid, len(valid)-1), "checksum mismatch"},
		{"truncated", pos, valid[:len(valid)-1], "exceeds"},
		{"stored under another position", pos + 1, valid, "checksum mismatch"},
		{"trailing bytes", pos, withBody(func(b []byte) []byte { return append(b, 'x') }), "unexpected bytes"},
		{"field longer than the record", pos, withBody(func(b []byte) []byte { b[streamAt] = 0x7f; return b }), "exceeds"},
		{"huge field length", pos, withBody(func(b []byte) []byte {
			return append(binary.AppendUvarint(b[:streamAt], 1<<62), b[streamAt+1:]...)
		}), "exceeds"},
		{"overlong varint", pos, withBody(func(b []byte) []byte {
			return append(b[:streamAt], bytes.Repeat([]byte{0xff}, 11)...)
		}), "malformed length"},
		{"non-minimal varint", pos, withBody(func(b []byte) []byte {
			n := b[streamAt]
			return append(append(b[:streamAt:streamAt], n|0x80, 0), b[streamAt+1:]...)
		}), "non-minimal"},
		{"missing fields", pos, withBody(func(b []byte) []byte { return b[:headerLen] }), "malformed length"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeRecord(tc.pos, tc.rec)
			require.ErrorIs(t, err, eventstore.ErrCorrupt)
			var corrupt *eventstore.CorruptError
			require.True(t, errors.As(err, &corrupt))
			require.Equal(t, tc.pos, corrupt.Position)
			require.Contains(t, corrupt.Reason, tc.reason)
		})
	}
}

// A record damaged only in its content still says which event it was, so that an operator can be
// told more than a position.
func TestChecksumMismatchNamesTheEvent(t *testing.T) {
	r := sampleRecord()
	valid := encodeRecord(7, &r)
	_, err := decodeRecord(7, flip(valid, len(valid)-10))
	var corrupt *eventstore.CorruptError
	require.ErrorAs(t, err, &corrupt)
	require.Equal(t, r.Stream, corrupt.Stream)
	require.Equal(t, r.ID, corrupt.EventID)
	require.Equal(t, r.Revision, corrupt.Revision)
	require.Contains(t, err.Error(), r.ID.String())
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x01
	return b
}

// FuzzDecodeRecord checks that no input makes decoding panic, that every failure is a
// *CorruptError naming the position, and that whatever decodes is the one encoding of its record.
// Each input is also tried with a correct checksum, since otherwise nearly every mutation would
// stop at the checksum and the structure checks would go unexplored.
func FuzzDecodeRecord(f *testing.F) {
	r := sampleRecord()
	f.Add(uint64(1), encodeRecord(1, &r))
	r.Data, r.Metadata = nil, nil
	f.Add(uint64(2), encodeRecord(2, &r))
	f.Add(uint64(3), []byte{recordVersion})
	f.Fuzz(func(t *testing.T, pos uint64, b []byte) {
		checkDecode(t, pos, b)
		if len(b) >= checksumLen {
			checkDecode(t, pos, reseal(pos, b))
		}
	})
}

func checkDecode(t *testing.T, pos eventstore.Position, b []byte) {
	r, err := decodeRecord(pos, b)
	if err != nil {
		var corrupt *eventstore.CorruptError
		if !errors.As(err, &corrupt) || corrupt.Position != pos {
			t.Fatalf("decode error %v is not a CorruptError for position %d", err, pos)
		}
		return
	}
	if r.Position != pos {
		t.Fatalf("decoded position %d, want %d", r.Position, pos)
	}
	if again := encodeRecord(pos, &r); !bytes.Equal(again, b) {
		t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, b)
	}
}

// The checksum of a record is CRC-32C over its position's big-endian bytes and then its body, as
// crc32 computes it over the two together.
func TestRecordChecksumIsCRC32COfPositionAndBody(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 2000 {
		pos := r.Uint64()
		if i < 3 {
			pos = []uint64{0, 1, math.MaxUint64}[i]
		}
		body := make([]byte, r.IntN(300))
		for j := range body {
			body[j] = byte(r.Uint32())
		}
		want := crc32.Checksum(binary.BigEndian.AppendUint64(nil, pos), crc32.MakeTable(crc32.Castagnoli))
		want = crc32.Update(want, crc32.MakeTable(crc32.Castagnoli), body)
		require.Equal(t, want, recordChecksum(pos, body), "position %d, %d bytes", pos, len(body))
	}
}
