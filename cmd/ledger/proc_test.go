package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/internal/bench"
)

// The tests that need a real process (SIGKILL, a second process holding the file lock, resource
// limits) run the ledger binary built from this package, as an operator would.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	if bench.IsLoadGenerator() { // a test ran ledger bench, whose GET phase runs this binary again
		os.Exit(bench.RunLoadGenerator(os.Stdin, os.Stdout))
	}
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		// The parallel tests mostly wait on the processes they run (starts, fsyncs, kills, an
		// auditor's requests): four at a time keep two cores busy where -parallel's default, the
		// number of cores, leaves them idle. A -parallel given is kept.
		if err := flag.Set("test.parallel", strconv.Itoa(max(4, runtime.GOMAXPROCS(0)))); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	demotest.Cleanup()
	os.Exit(code)
}

// ledgerBinary builds cmd/ledger once per test run. It is built without -race even when the tests
// run with it: the server's speed bounds the crash test, and the code it runs is raced by the
// in-process tests.
func ledgerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "ledger-bin-")
		if buildErr != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(binDir, "ledger")
		cmd := exec.Command(goTool, "build", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// syncBuffer collects a process's output for the test to read while the process runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ledgerProc is a running `ledger serve`.
type ledgerProc struct {
	cmd    *exec.Cmd
	base   string // http://host:port
	stderr *syncBuffer
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// startServe starts `ledger serve` on data at a free port. env is added to the test's environment.
func startServe(t *testing.T, data string, env []string, extra ...string) *ledgerProc {
	t.Helper()
	return startServeWith(t, ledgerBinary(t), data, env, extra...)
}

// startServeWith is startServe with another build of the binary.
func startServeWith(t *testing.T, binary, data string, env []string, extra ...string) *ledgerProc {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", closedPort(t))
	args := append([]string{"serve", "--addr", addr, "--data", data}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &ledgerProc{cmd: cmd, base: "http://" + addr, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	return p
}

// waitReady polls /readyz until it answers 200, the process exits, or timeout passes.
func (p *ledgerProc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("ledger serve exited (%v) before it was ready:\n%s", p.err, p.stderr.String())
		default:
		}
		if resp, err := client.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("ledger serve not ready after %s:\n%s", timeout, p.stderr.String())
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *ledgerProc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop asks the server to shut down (SIGTERM) and returns its exit error; it kills it after timeout.
func (p *ledgerProc) stop(timeout time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		p.kill()
		return errors.New("ledger serve did not stop on SIGTERM")
	}
}

// runBinary runs the ledger binary to completion and returns its exit code and output.
func runBinary(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ledgerBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		require.NoError(t, err)
	}
	return code, out.String(), errOut.String()
}
