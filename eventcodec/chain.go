package eventcodec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"assurance-ledger/domain"
)

// GenesisHash is the prev_hash of a stream's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ChainHash computes an event's hash in its stream's chain:
//
//	hash = SHA-256(prev_hash || canonical({"type": type, "data": data, "metadata": metadata - "hash"}))
//
// prev_hash enters as its 32 raw bytes; canonical is RFC 8785. data and metadata are the JSON texts
// as stored; a "hash" member of metadata is left out, so the stored metadata can be passed as is.
func ChainHash(prevHash, eventType string, data, metadata []byte) (string, error) {
	prev, err := hex.DecodeString(prevHash)
	if err != nil || len(prev) != sha256.Size {
		return "", fmt.Errorf("chain hash: prev_hash %q is not 32 hex-encoded bytes", prevHash)
	}
	if sum, ok := chainHashDirect(prev, eventType, data, metadata); ok {
		return hex.EncodeToString(sum[:]), nil
	}
	return chainHashDecoded(prev, eventType, data, metadata)
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// chainHashDirect canonicalises data and metadata straight into the hashed body. The keys of the
// body sort as "data" < "metadata" < "type", so it can be written in order. It gives up (false) on
// anything chainHashDecoded might read differently from a strict RFC 8785 parse (a metadata member
// named twice, which decoding keeps the last of; text after the metadata object, which decoding
// ignores; invalid UTF-8 in the type or a metadata key, which encoding/json replaces), and on
// anything invalid; those keep the first implementation's answer, hash or error.
func chainHashDirect(prev []byte, eventType string, data, metadata []byte) (sum [sha256.Size]byte, ok bool) {
	return chainHashOf(prev, eventType, func(body []byte) ([]byte, bool) {
		body, err := appendCanonical(body, data, "")
		return body, err == nil
	}, func(body []byte) ([]byte, bool) {
		body, err := appendCanonical(body, metadata, "hash")
		return body, err == nil
	})
}

// chainHashOf is chainHashDirect with the canonical forms of the data and of the metadata (without
// its hash) written by appendData and appendMeta.
func chainHashOf(prev []byte, eventType string, appendData, appendMeta func([]byte) ([]byte, bool)) (sum [sha256.Size]byte, ok bool) {
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	body := append((*bp)[:0], `{"data":`...)
	if body, ok = appendData(body); !ok {
		return sum, false
	}
	body = append(body, `,"metadata":`...)
	if body, ok = appendMeta(body); !ok {
		return sum, false
	}
	body = append(body, `,"type":`...)
	if body, ok = appendQuoted(body, eventType); !ok {
		return sum, false
	}
	body = append(body, '}')
	*bp = body
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	h.Sum(sum[:0])
	return sum, true
}

// SealHash is ChainHash(prevHash, d.EventType(), data, metadata) for data and metadata that
// EncodeEvent and EncodeMetadata wrote from d and m, computed without parsing back what was just
// written: the canonical forms are written from d and m (the generated canon functions). What that
// way cannot write (text to escape, text that is not valid UTF-8) goes through the canonicaliser,
// as in ChainHash. FuzzSealHashIsChainHash holds the two equal, hash or error.
func SealHash(prevHash string, d domain.EventData, data []byte, m domain.Metadata, metadata []byte) (string, error) {
	prev, err := hex.DecodeString(prevHash)
	if err != nil || len(prev) != sha256.Size {
		return ChainHash(prevHash, d.EventType(), data, metadata) // its error
	}
	appendData := func(b []byte) ([]byte, bool) {
		w := canonWriter{b: b, ok: true}
		if appendEventCanonical(&w, d) && w.ok {
			return w.b, true
		}
		out, err := appendCanonical(b, data, "") // over whatever the attempt left beyond len(b)
		return out, err == nil
	}
	appendMeta := func(b []byte) ([]byte, bool) { return appendMetadataCanonical(b, m) }
	if sum, ok := chainHashOf(prev, d.EventType(), appendData, appendMeta); ok {
		return hex.EncodeToString(sum[:]), nil
	}
	return ChainHash(prevHash, d.EventType(), data, metadata)
}

// chainHashDecoded is the first implementation: decode the metadata, drop "hash", marshal the body
// and canonicalise it. It defines the hash of every input chainHashDirect declines.
func chainHashDecoded(prev []byte, eventType string, data, metadata []byte) (string, error) {
	var meta map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(metadata))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil || meta == nil {
		return "", fmt.Errorf("chain hash: metadata is not a JSON object")
	}
	delete(meta, "hash")
	if !json.Valid(data) {
		return "", fmt.Errorf("chain hash: data is not valid JSON")
	}
	body, err := Canonical(struct {
		Type     string                     `json:"type"`
		Data     json.RawMessage            `json:"data"`
		Metadata map[string]json.RawMessage `json:"metadata"`
	}{eventType, data, meta})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}
