package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeAddr is the address the README's commands use; the test's server listens elsewhere (a
// port of its own, so that it never meets a server someone is running) and that is the one thing
// changed in what is run.
const readmeAddr = "127.0.0.1:8080"

// journey is a shell block of the README marked <!-- README journey: name -->.
type journey struct{ name, script string }

// readmeJourneys reads the marked blocks of README.md, in order, and the set-up's serve command.
func readmeJourneys(t *testing.T) (serve []string, journeys []journey) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	marker := regexp.MustCompile(`^<!-- README journey: (.+) -->$`)
	sc := bufio.NewScanner(bytes.NewReader(raw))
	var (
		name      string
		inBlock   bool
		collected strings.Builder
	)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case serve == nil && strings.HasPrefix(line, "go run ./cmd/ledger serve "):
			serve = strings.Fields(strings.TrimPrefix(line, "go run ./cmd/ledger "))
		case inBlock && line == "```":
			journeys = append(journeys, journey{name: name, script: collected.String()})
			inBlock, name = false, ""
			collected.Reset()
		case inBlock:
			collected.WriteString(line + "\n")
		case name != "" && line == "```sh":
			inBlock = true
		case name != "":
			require.Empty(t, strings.TrimSpace(line), "the block marked %q must follow its marker", name)
		default:
			if m := marker.FindStringSubmatch(line); m != nil {
				name = m[1]
			}
		}
	}
	require.NoError(t, sc.Err())
	require.NotNil(t, serve, "README.md's set-up starts the service with go run ./cmd/ledger serve")
	return serve, journeys
}

// TestREADMEJourneys runs the README's first calls, its four users' journeys (chief executive,
// SHA assurer, CfH, auditor) and the auditor's audit of the whole ledger as they are written there, with bash, curl and jq, against the ledger
// binary started as the set-up says (`serve ... --demo`) in a directory of its own: the README
// builds ./ledger, and its commands name ./ledger-data. A journey that fails names its block and
// prints what it printed.
func TestREADMEJourneys(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to run the README's commands (CI installs it)", tool)
			}
			t.Skipf("%s is not installed: the README's commands cannot be run here", tool)
		}
	}
	serve, journeys := readmeJourneys(t)
	var names []string
	for _, j := range journeys {
		names = append(names, j.name)
	}
	require.Equal(t, []string{"first calls", "chief executive", "SHA assurer", "CfH", "auditor", "independent audit"}, names)

	dir := t.TempDir()
	require.NoError(t, os.Symlink(ledgerBinary(t), filepath.Join(dir, "ledger")))
	addr := fmt.Sprintf("127.0.0.1:%d", closedPort(t))
	args := make([]string, len(serve))
	for i, a := range serve {
		args[i] = strings.ReplaceAll(a, readmeAddr, addr)
	}
	require.Contains(t, args, "--demo")
	cmd := exec.Command(filepath.Join(dir, "ledger"), append(args, "--log-format", "json")...)
	cmd.Dir = dir
	p := &ledgerProc{cmd: cmd, base: "http://" + addr, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	require.NoError(t, p.waitReady(60*time.Second))

	outputs := map[string]string{}
	for _, j := range journeys {
		script := strings.ReplaceAll(j.script, readmeAddr, addr)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		sh.Dir = dir
		var out bytes.Buffer
		sh.Stdout, sh.Stderr = &out, &out
		err := sh.Run()
		cancel()
		require.NoError(t, err, "the README's %q block failed:\n%s\n--- it printed:\n%s", j.name, script, out.String())
		outputs[j.name] = out.String()
		t.Logf("%s:\n%s", j.name, out.String())
	}

	// Each journey did what the README says it does, to the plan and organisation the first found.
	var waiting struct{ SHA, Plan, Org string }
	raw, err := os.ReadFile(filepath.Join(dir, "waiting.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &waiting))
	require.NotEmpty(t, waiting.Plan, "the demo holds a plan of 2009-10 waiting for one last sign-off: %s", raw)
	var org struct {
		ChiefExecutive struct {
			Name string `json:"name"`
		} `json:"chief_executive"`
	}
	raw, err = os.ReadFile(filepath.Join(dir, "organisation.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &org))
	require.NotEmpty(t, org.ChiefExecutive.Name)

	assert.Contains(t, outputs["first calls"], "PlanSubmitted by", "the first calls print a plan's trail")
	assert.Contains(t, outputs["chief executive"], `"round": "2009-10"`)
	assert.Contains(t, outputs["chief executive"], `"event_id"`)
	assert.Contains(t, outputs["SHA assurer"], `"leaf_hash"`)
	assert.Contains(t, outputs["CfH"], `"position"`)
	assert.Contains(t, outputs["CfH"], `"round": "2009-10"`, "CfH reads the SHA's returns of the round")
	assert.Contains(t, outputs["auditor"], fmt.Sprintf("SROSignedOff by %s (%s)", org.ChiefExecutive.Name, waiting.Org))
	assert.Contains(t, outputs["auditor"], fmt.Sprintf("AssuranceRecorded by Sam Assurer (%s)", waiting.SHA))
	assert.Contains(t, outputs["auditor"], "ok: head signature")
	assert.Contains(t, outputs["auditor"], "board approvals and round publications verify", "the line names every check the bundle passed")
	assert.Contains(t, outputs["auditor"], "CfHAcknowledged by Chris Connell (X09)")
	assert.Contains(t, outputs["independent audit"], "status: clean: the ledger's log, signed heads and published answers agree with the mirror")
	assert.Contains(t, outputs["independent audit"], "ok: every chain verifies", "verify reads the auditor's copy")
	assert.FileExists(t, filepath.Join(dir, "audit-heads.jsonl"))

	// And the ledger holds it: the plan is assured and CfH has acknowledged it.
	code, tok, errOut := runBinary(t, nil, "token", "--data", filepath.Join(dir, "ledger-data"), "--sub", "au-1", "--name", "A", "--role", "auditor", "--org", "X09")
	require.Equal(t, 0, code, errOut)
	req, err := http.NewRequest(http.MethodGet, p.base+"/v1/plans/"+waiting.Plan, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var plan struct {
		Status string `json:"status"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&plan))
	assert.Equal(t, "acknowledged", plan.Status)
}
