// Package keyfile keeps a secret in a file of its own: created once with mode 0600, and never
// replaced, because a second secret would silently invalidate everything signed with the first.
package keyfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"assurance-ledger/internal/durable"
)

// LoadOrCreate returns the trimmed content of dir/name, creating the file from generate() when it
// does not exist. The file appears whole or not at all: the secret is written and synced under a
// temporary name and then linked to its own name, which fails if the name exists. Creating the
// file under its name and writing it after (as this did before) let a second process starting at
// the same moment read the file empty and take "" for the secret, and a crash between the two left
// an empty file for good. A file that exists but holds nothing is refused, never used or replaced.
func LoadOrCreate(dir, name string, generate func() (string, error)) (string, error) {
	path := filepath.Join(dir, name)
	if secret, err := load(path); !errors.Is(err, os.ErrNotExist) {
		return secret, err
	}
	secret, err := generate()
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(secret) == "" {
		return "", fmt.Errorf("creating %s: the generated secret is empty", path)
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // once linked, the secret lives on under path
	_, err = tmp.WriteString(secret + "\n")
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, os.ErrExist):
		return load(path) // another process's secret won; it was whole before it had this name
	case err != nil:
		return "", fmt.Errorf("creating %s: %w", path, err)
	}
	// Until the directory is synced a power cut can take the name away, and the next start would
	// make another secret, silently invalidating everything signed with this one: not best effort.
	if err := durable.SyncDir(dir); err != nil {
		return "", fmt.Errorf("creating %s: syncing its directory: %w", path, err)
	}
	return strings.TrimSpace(secret), nil
}

// load reads the secret in path; os.ErrNotExist if there is none.
func load(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("%s is empty: restore it from a backup (a new secret would invalidate everything signed with the old one), or delete it if nothing was ever signed with it", path)
	}
	return secret, nil
}
