package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"assurance-ledger/internal/durable"
	"assurance-ledger/ledgertree"
)

// An auditor's state directory is a ledger data directory without the ledger's secrets: the
// mirrored log in the embedded store (ledger.db), the tree checkpoint (ledger-tree.db) and the
// signed heads the server gave out (tree-heads.jsonl), so that ledger verify, replay and evidence
// work on it as on the server's own; and beside them what only an audit keeps.
const (
	// StateFile records what the audits of this directory have established: the server, the
	// pinned key and the largest signed head the mirror was found to match.
	StateFile = "audit-state.json"
	// PublicKeyFile is the ledger's public key as /v1/ledger/public-key gives it, pinned on first
	// use (or from --public-key): every head is checked with it, and ledger verify and evidence
	// use it on this directory.
	PublicKeyFile = "ledger-public-key"
	// PositionsFile holds, for each mirrored event in order, its position in the server's log (8
	// bytes, big-endian): the mirror's own positions are dense, the server's need not be.
	PositionsFile = "server-positions"
	// SnapshotFile is the projections' snapshot the comparison keeps between audits.
	SnapshotFile = "audit-projections.snap"
	// storeFileName is the embedded store's file in a data directory (as ledger serve names it).
	storeFileName = "ledger.db"
)

const stateFormat = "assurance-ledger/audit-state/v1"

// state is StateFile.
type state struct {
	Format string `json:"format"`
	URL    string `json:"url"`
	KeyID  string `json:"key_id"`
	// Head is the largest signed head the mirror matched: every later head must be consistent
	// with it.
	Head      *ledgertree.TreeHead `json:"verified_head"`
	Audits    int                  `json:"audits"`
	UpdatedAt time.Time            `json:"updated_at"`
}

func readState(dir string) (*state, error) {
	raw, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return &state{Format: stateFormat}, nil
	}
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): start a new --state directory", filepath.Join(dir, StateFile), err)
	}
	if s.Format != stateFormat {
		return nil, fmt.Errorf("%s has format %q; this build reads %q", filepath.Join(dir, StateFile), s.Format, stateFormat)
	}
	return &s, nil
}

// writeState replaces StateFile: written aside, synced, renamed, the directory synced.
func writeState(dir string, s *state) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileDurably(filepath.Join(dir, StateFile), append(raw, '\n'))
}

func writeFileDurably(path string, raw []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return durable.SyncDir(filepath.Dir(path))
}

// publicKeyDoc is the key as /v1/ledger/public-key answers it.
type publicKeyDoc struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
}

// PinnedKey returns the public key pinned in an auditor's state directory; ok is false if dir is
// not one (it has no PublicKeyFile).
func PinnedKey(dir string) (key ed25519.PublicKey, ok bool, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	key, err = ledgertree.ParsePublicKey(string(raw))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", filepath.Join(dir, PublicKeyFile), err)
	}
	return key, true, nil
}

func pinKey(dir string, key ed25519.PublicKey) error {
	raw, err := json.MarshalIndent(publicKeyDoc{Algorithm: "Ed25519", KeyID: ledgertree.KeyID(key), PublicKey: base64.StdEncoding.EncodeToString(key)}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileDurably(filepath.Join(dir, PublicKeyFile), append(raw, '\n'))
}

// IsStateDir reports whether dir is an auditor's state directory.
func IsStateDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, StateFile))
	return err == nil
}

// positions is PositionsFile, held in memory: the server's position of each mirrored event, by
// the mirror's position minus one.
type positions struct {
	f      *os.File
	server []uint64
	// identical is true while every mirrored event has the same position in the mirror as on the
	// server (an embedded store holding only the ledger's streams): answers then need no mapping.
	identical bool
}

// openPositions reads PositionsFile and fits it to the mirror's n events: entries past them were
// written for events whose commit never happened (the map is written first), and are dropped.
func openPositions(dir string, n uint64) (*positions, error) {
	path := filepath.Join(dir, PositionsFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if uint64(len(raw)/8) < n {
		_ = f.Close()
		return nil, fmt.Errorf("%s holds the server positions of %d events, but the mirror holds %d: the state directory is damaged; start a new --state directory", path, len(raw)/8, n)
	}
	p := &positions{f: f, server: make([]uint64, n, n+1024), identical: true}
	for i := range p.server {
		p.server[i] = binary.BigEndian.Uint64(raw[8*i:])
		if p.server[i] != uint64(i)+1 {
			p.identical = false
		}
	}
	if uint64(len(raw)) != 8*n {
		if err := f.Truncate(int64(8 * n)); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(int64(8*n), io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	return p, nil
}

// add records the server positions of the next events, durably, before they are committed.
func (p *positions) add(server []uint64) error {
	buf := make([]byte, 0, 8*len(server))
	for _, s := range server {
		buf = binary.BigEndian.AppendUint64(buf, s)
	}
	if _, err := p.f.Write(buf); err != nil {
		return err
	}
	if err := p.f.Sync(); err != nil {
		return err
	}
	for _, s := range server {
		p.server = append(p.server, s)
		if s != uint64(len(p.server)) {
			p.identical = false
		}
	}
	return nil
}

// last is the server position of the last mirrored event, 0 if none.
func (p *positions) last() uint64 {
	if len(p.server) == 0 {
		return 0
	}
	return p.server[len(p.server)-1]
}

// of is the server position of the mirror's position local (1-based).
func (p *positions) of(local uint64) uint64 { return p.server[local-1] }

func (p *positions) close() error { return p.f.Close() }
