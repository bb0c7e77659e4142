// Package keyfile keeps a secret in a file of its own: created once with mode 0600, and never
// replaced, because a second secret would silently invalidate everything signed with the first.
package keyfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadOrCreate returns the trimmed content of dir/name, creating the file from generate() when it
// does not exist.
func LoadOrCreate(dir, name string, generate func() (string, error)) (string, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return strings.TrimSpace(string(b)), nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	secret, err := generate()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// O_EXCL: if two processes start at once, one secret wins and the other reads it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreate(dir, name, generate)
	}
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", path, err)
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return secret, nil
}
