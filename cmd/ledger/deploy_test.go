package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore/esdbstore"
)

// repoRoot holds docker-compose.yml and the Dockerfile; tests run in this package's directory.
var repoRoot = filepath.Join("..", "..")

// composeCommand finds Compose: the docker CLI plugin, else the standalone docker-compose.
func composeCommand() []string {
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		return []string{docker, "compose"}
	}
	if compose, err := exec.LookPath("docker-compose"); err == nil {
		return []string{compose}
	}
	return nil
}

// TestComposeConfig has Compose itself check docker-compose.yml, with and without the cluster
// profile. It needs no Docker engine.
func TestComposeConfig(t *testing.T) {
	t.Parallel()
	compose := composeCommand()
	if compose == nil {
		t.Skip("neither `docker compose` nor `docker-compose` is installed; .ci/run installs one and checks docker-compose.yml itself")
	}
	for name, profile := range map[string]string{"single node": "", "cluster profile": "cluster"} {
		t.Run(name, func(t *testing.T) {
			args := append([]string(nil), compose[1:]...)
			if profile != "" {
				args = append(args, "--profile", profile)
			}
			cmd := exec.Command(compose[0], append(args, "config", "-q")...)
			cmd.Dir = repoRoot
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s config -q: %s", strings.Join(compose, " "), out)
		})
	}
}

// storeArg finds the --store values of the compose file's commands.
var storeArg = regexp.MustCompile(`--store\s+([^\s"']+)`)

// defaultValue replaces a Compose variable by its default, as Compose does when it is unset.
var defaultValue = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}`)

// TestComposeConnectionStrings checks what Compose cannot: that the ledger services are started the
// documented way, with connection strings the store accepts.
func TestComposeConnectionStrings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	require.NoError(t, err)
	file := string(raw)
	assert.Contains(t, file, `command: "serve --addr 0.0.0.0:8080 --data /data --store esdb://eventstore:2113?tls=false"`)

	found := storeArg.FindAllStringSubmatch(file, -1)
	require.Len(t, found, 2, "the single-node ledger and the cluster ledger")
	for _, m := range found {
		conn := defaultValue.ReplaceAllString(m[1], "$1")
		assert.NoError(t, esdbstore.ValidateConnString(conn))
	}
	cluster := defaultValue.ReplaceAllString(found[1][1], "$1")
	assert.Contains(t, cluster, "node1:2113,node2:2113,node3:2113")
	assert.Contains(t, cluster, "nodePreference=leader")
	assert.Contains(t, cluster, "tls=true")
}

// TestDockerfile checks the properties the deployment relies on.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	file := string(raw)
	for _, want := range []string{
		"FROM golang:",
		"CGO_ENABLED=0",
		"./cmd/ledger",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER nonroot:nonroot",
		"--chown=65532:65532",
	} {
		assert.Contains(t, file, want)
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	require.NoError(t, err)
	assert.Contains(t, string(ignore), ".git")
}

// imageRef finds the images the compose file and the Dockerfile pull.
var (
	composeImage = regexp.MustCompile(`(?m)^\s*image:\s*(\S+)`)
	fromImage    = regexp.MustCompile(`(?m)^FROM\s+(\S+)`)
	exactTag     = regexp.MustCompile(`:\d+\.\d+\.\d+(-[a-z0-9.-]+)?$`)
)

// TestImagesArePinned: every image pulled is named by an exact release (a moving tag such as 24.10
// or 1.26 changes under the same file), and the Go image is the release go.mod names.
func TestImagesArePinned(t *testing.T) {
	compose, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	require.NoError(t, err)
	dockerfile, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)

	images := map[string]bool{}
	for _, m := range composeImage.FindAllStringSubmatch(string(compose), -1) {
		if m[1] != "assurance-ledger:local" { // built here
			images[m[1]] = true
		}
	}
	require.Contains(t, images, "eventstore/eventstore:24.10.0-bookworm-slim")
	for _, m := range fromImage.FindAllStringSubmatch(string(dockerfile), -1) {
		if !strings.HasPrefix(m[1], "gcr.io/distroless/") { // distroless publishes no release tags
			images[m[1]] = true
		}
	}
	for img := range images {
		assert.Regexp(t, exactTag, img, "%s is not pinned to an exact release", img)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(string(gomod))
	require.NotNil(t, goVersion)
	assert.Contains(t, images, "golang:"+goVersion[1]+"-bookworm", "the Go image is go.mod's release")
}
