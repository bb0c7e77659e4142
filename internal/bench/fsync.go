package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// fsyncRate is how many 4 KiB appends, each followed by fsync, the disk under dir completes per
// second: the ceiling on durable commits, and so on events per second divided by events per commit.
func fsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-*")
	if err != nil {
		return 0, fmt.Errorf("fsync probe: %w", err)
	}
	defer os.Remove(filepath.Clean(f.Name()))
	defer f.Close()
	block := make([]byte, 4096)
	for i := range block {
		block[i] = byte(i)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.Write(block); err != nil {
			return 0, fmt.Errorf("fsync probe: %w", err)
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("fsync probe: %w", err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
