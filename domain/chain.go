package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
