package boltstore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"assurance-ledger/eventstore"
)

// A record is one event as stored under its position key in the events bucket:
//
//	version     1 byte   (recordVersion)
//	event id    16 bytes
//	revision    8 bytes  big-endian
//	recorded at 8 bytes  big-endian unix nanoseconds
//	stream      uvarint length + bytes
//	type        uvarint length + bytes
//	data        uvarint length + bytes
//	metadata    uvarint length + bytes
//	checksum    4 bytes  big-endian CRC-32C of the 8-byte position key followed by everything above
//
// bbolt checksums only its meta pages, so without the trailing CRC a flipped bit in an event's
// data would be served as truth; an audit ledger must rather refuse it. Seeding the CRC with the key
// also catches a record that ended up under the wrong position. The position itself is not repeated
// in the record: the key already holds it.
//
// Decoding is strict (minimal varints, no trailing bytes), so every record has exactly one encoding
// and the fuzz target can check that decode followed by encode gives back the same bytes.

// recordVersion is written first so that a later encoding can be told apart instead of misread.
const recordVersion byte = 1

const (
	idLen       = 16
	headerLen   = 1 + idLen + 8 + 8 // version, id, revision, recorded at
	checksumLen = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordLen returns the exact encoded size of e in stream, so that oversized events are refused
// before anything is written and buffers are allocated once.
func recordLen(stream string, e eventstore.Event) int {
	return headerLen + fieldLen(len(stream)) + fieldLen(len(e.Type)) + fieldLen(len(e.Data)) +
		fieldLen(len(e.Metadata)) + checksumLen
}

func fieldLen(n int) int { return uvarintLen(uint64(n)) + n }

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// encodeRecord encodes r for storage under position pos; r.Position is ignored.
func encodeRecord(pos eventstore.Position, r *eventstore.RecordedEvent) []byte {
	return appendRecord(make([]byte, 0, recordLen(r.Stream, eventstore.Event{Type: r.Type, Data: r.Data, Metadata: r.Metadata})), pos, r)
}

// appendRecord is encodeRecord into b, which must have room for the record (recordLen).
func appendRecord(b []byte, pos eventstore.Position, r *eventstore.RecordedEvent) []byte {
	b = append(b, recordVersion)
	b = append(b, r.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Revision)
	b = binary.BigEndian.AppendUint64(b, uint64(r.RecordedAt.UnixNano()))
	b = appendField(b, []byte(r.Stream))
	b = appendField(b, []byte(r.Type))
	b = appendField(b, r.Data)
	b = appendField(b, r.Metadata)
	return binary.BigEndian.AppendUint32(b, recordChecksum(pos, b))
}

func appendField(b, field []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(field)))
	return append(b, field...)
}

// recordChecksum is the CRC-32C of the position's eight big-endian bytes followed by body. The
// position's bytes go through the table a byte at a time rather than crc32.Update, to which a slice
// escapes: an array for them would be put on the heap for every record read.
func recordChecksum(pos eventstore.Position, body []byte) uint32 {
	crc := ^uint32(0)
	for shift := 56; shift >= 0; shift -= 8 {
		crc = castagnoli[byte(crc)^byte(pos>>shift)] ^ crc>>8
	}
	return crc32.Update(^crc, castagnoli, body)
}

// decodeRecord decodes the record stored at pos. It copies everything it returns, because b
// usually points into bbolt's memory map, which is only valid for the life of the transaction.
func decodeRecord(pos eventstore.Position, b []byte) (eventstore.RecordedEvent, error) {
	r, err := parseRecord(pos, b)
	if err != nil {
		return r, err
	}
	r.Data, r.Metadata = cloneBytes(r.Data), cloneBytes(r.Metadata)
	return r, nil
}

// parseRecord is decodeRecord with Data and Metadata left in b, not copied: for a caller done with
// them before b's transaction ends (lending).
func parseRecord(pos eventstore.Position, b []byte) (eventstore.RecordedEvent, error) {
	corrupt := func(format string, args ...any) (eventstore.RecordedEvent, error) {
		return eventstore.RecordedEvent{}, &eventstore.CorruptError{Position: pos, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b) < headerLen+checksumLen {
		return corrupt("record is %d bytes, shorter than any valid record", len(b))
	}
	if b[0] != recordVersion {
		return corrupt("unknown record version %d", b[0])
	}
	body, sum := b[:len(b)-checksumLen], binary.BigEndian.Uint32(b[len(b)-checksumLen:])

	// The structure is read before the checksum is compared so that a record damaged only in its
	// content can still say which event it was.
	r := eventstore.RecordedEvent{Position: pos}
	copy(r.ID[:], body[1:1+idLen])
	r.Revision = binary.BigEndian.Uint64(body[1+idLen:])
	r.RecordedAt = time.Unix(0, int64(binary.BigEndian.Uint64(body[1+idLen+8:]))).UTC()

	rest := body[headerLen:]
	var fields [4][]byte
	for i := range fields {
		n, size := binary.Uvarint(rest)
		if size <= 0 {
			return corrupt("field %d: malformed length", i)
		}
		if size != uvarintLen(n) {
			return corrupt("field %d: non-minimal length encoding", i)
		}
		rest = rest[size:]
		if n > uint64(len(rest)) {
			return corrupt("field %d: length %d exceeds the %d bytes left", i, n, len(rest))
		}
		fields[i], rest = rest[:n], rest[n:]
	}
	if len(rest) != 0 {
		return corrupt("%d unexpected bytes after the last field", len(rest))
	}
	if got := recordChecksum(pos, body); got != sum {
		return eventstore.RecordedEvent{}, &eventstore.CorruptError{Position: pos, Stream: string(fields[0]), Revision: r.Revision, EventID: r.ID,
			Reason: fmt.Sprintf("checksum mismatch: stored %08x, computed %08x", sum, got)}
	}
	r.Stream = string(fields[0])
	r.Type = string(fields[1])
	r.Data, r.Metadata = fields[2], fields[3]
	return r, nil
}

// cloneBytes copies b, giving nil for an empty field so that empty data costs no allocation.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
