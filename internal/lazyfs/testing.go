package lazyfs

import (
	"os"
	"testing"
)

// MountForTest mounts a lazyfs over a new directory for the test, unmounted when the test ends.
// Where FUSE is not available the test is skipped with a message saying why, except under CI (the
// CI environment variable set), where it fails: there the power-loss tests must run.
func MountForTest(t testing.TB) *FS {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("FUSE is needed for this test and CI is set: %v", err)
		}
		t.Skipf("SKIPPED: this test needs FUSE, which is not available here (%v); CI runs it", err)
	}
	f, err := Mount(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Unmount(); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return f
}
