package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
)

const marker = "Whittington Marker Hospital"

// writeLedger records a few registry events in a store under dir and returns the id of the event
// whose data holds marker.
func writeLedger(t *testing.T, dir string) string {
	t.Helper()
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	h := command.NewHandler(s, command.Options{})
	admin := domain.Actor{PersonID: "a", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
	var markerEvent string
	for _, c := range []domain.RegisterOrganisation{
		{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA},
		{ODSCode: "RKE", Name: marker, Kind: domain.KindProvider, SHACode: "Q36"},
		{ODSCode: "5K7", Name: "Camden PCT", Kind: domain.KindPCT, SHACode: "Q36"},
	} {
		r, err := h.Registry(context.Background(), command.Request{Actor: admin}, c)
		require.NoError(t, err)
		if c.Name == marker {
			markerEvent = r.EventID
		}
	}
	return markerEvent
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVerifyIntactLedger(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	code, out, errOut := runCLI(t, "verify", "--data", dir)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "checked 3 events in 1 streams")
	assert.Contains(t, out, "ok: every chain verifies")

	code, out, errOut = runCLI(t, "verify", "--data", dir, "--json")
	require.Equal(t, 0, code, errOut)
	var rep struct {
		Findings json.RawMessage `json:"findings"`
		Heads    struct {
			Findings json.RawMessage `json:"findings"`
		} `json:"tree_heads"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.JSONEq(t, "[]", string(rep.Findings), "no findings is an empty list, not null")
	assert.JSONEq(t, "[]", string(rep.Heads.Findings))
}

// One byte changed in the store file, found by searching the raw file for text in an event's data.
// bbolt is copy-on-write, so the text may also sit in freed pages that nothing reads: each
// occurrence is flipped in a copy of its own, and every flip must either leave the ledger intact
// (a dead page) or be reported naming the event; at least one must hit the live record.
func TestVerifyNamesTheEventWhoseStoredByteChanged(t *testing.T) {
	dir := t.TempDir()
	eventID := writeLedger(t, dir)
	raw, err := os.ReadFile(storeFile(dir))
	require.NoError(t, err)
	var offsets []int
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(marker))
		if j < 0 {
			break
		}
		offsets = append(offsets, i+j)
		i += j + 1
	}
	require.NotEmpty(t, offsets, "the marker is stored verbatim in the file")

	detected := 0
	for _, off := range offsets {
		copyDir := t.TempDir()
		changed := bytes.Clone(raw)
		changed[off] ^= 0x01 // 'W' -> 'V'
		require.NoError(t, os.WriteFile(storeFile(copyDir), changed, 0o600))

		code, out, errOut := runCLI(t, "verify", "--data", copyDir)
		if code == 0 {
			continue // a stale copy in a freed page
		}
		detected++
		assert.Equal(t, 1, code, errOut)
		assert.Contains(t, out, "BAD position 2")
		assert.Contains(t, out, eventID)
		assert.Contains(t, errOut, "ledger is NOT intact")
		assert.Contains(t, errOut, eventID)
		assert.Contains(t, errOut, "stream registry")
	}
	assert.GreaterOrEqual(t, detected, 1, "the live record was among the %d copies", len(offsets))
}

func TestVerifyWithoutAStore(t *testing.T) {
	code, _, errOut := runCLI(t, "verify", "--data", filepath.Join(t.TempDir(), "nothing"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no ledger store at")
}
