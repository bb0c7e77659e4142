package lazyfs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
)

// helperEnv makes the test binary a bbolt writer or checker on the file it names (TestMain), run as
// a process of its own: the test process must not map files its own FUSE server serves.
const helperEnv = "LAZYFS_BBOLT_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		mode, path, _ := strings.Cut(spec, ":")
		if err := bboltHelper(mode, path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var bucket = []byte("b")

// bboltHelper "write" commits key 0, 1, 2 ... one transaction each (values of several pages, so
// that commits grow the file), printing each key once its commit returned; "check" prints the
// number of keys, after checking they run from 0 without a gap and bbolt's own consistency check.
func bboltHelper(mode, path string) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	switch mode {
	case "write":
		// bbolt syncs the file but never its directory: without this, a crash loses the new file
		// with every transaction in it.
		if err := syncDir(filepath.Dir(path)); err != nil {
			return err
		}
		for i := uint64(0); ; i++ {
			err := db.Update(func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				return b.Put(binary.BigEndian.AppendUint64(nil, i), make([]byte, 1000+int(i%7)*3000))
			})
			if err != nil {
				return err
			}
			fmt.Println(i)
		}
	case "check":
		return db.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			var n uint64
			if b := tx.Bucket(bucket); b != nil {
				c := b.Cursor()
				for k, _ := c.First(); k != nil; k, _ = c.Next() {
					if got := binary.BigEndian.Uint64(k); got != n {
						return fmt.Errorf("key %d where %d was expected", got, n)
					}
					n++
				}
			}
			fmt.Println(n)
			return nil
		})
	}
	return fmt.Errorf("helper mode %q", mode)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func helper(t *testing.T, mode, path string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race a process sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), helperEnv+"="+mode+":"+path, "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	return cmd
}

// bbolt on lazyfs: every transaction whose commit returned is there after a crash in any mode,
// the file opens, and bbolt's consistency check passes. bbolt reads through a shared mapping and
// writes with pwrite and fdatasync, and takes a flock: all of that must work on the mount.
func TestBboltKeepsEveryCommittedTransaction(t *testing.T) {
	for _, mode := range Modes {
		t.Run(mode.String(), func(t *testing.T) {
			f := MountForTest(t)
			path := filepath.Join(f.Dir(), "db")
			rng := rand.New(rand.NewPCG(uint64(mode), 1))
			committed := uint64(0)
			for round := range 4 {
				w := helper(t, "write", path)
				out, err := w.StdoutPipe()
				require.NoError(t, err)
				var stderr strings.Builder
				w.Stderr = &stderr
				require.NoError(t, w.Start())
				sc := bufio.NewScanner(out)
				stopAfter := 5 + rng.IntN(40)
				for range stopAfter {
					if !sc.Scan() {
						err := w.Wait()
						t.Fatalf("round %d: the writer stopped (%v): %s", round, err, stderr.String())
					}
					n, err := strconv.ParseUint(sc.Text(), 10, 64)
					require.NoError(t, err)
					committed = n + 1
				}
				st := f.Crash(mode, rng)
				_ = w.Process.Kill()
				_ = w.Wait()
				require.NoError(t, f.Remount())
				check := helper(t, "check", path)
				got, err := check.Output()
				require.NoError(t, err, "round %d: %s", round, got)
				n, err := strconv.ParseUint(strings.TrimSpace(string(got)), 10, 64)
				require.NoError(t, err)
				assert.GreaterOrEqual(t, n, committed, "round %d: commits lost (crash: %+v)", round, st)
				committed = n
			}
		})
	}
}
