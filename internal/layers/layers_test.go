package layers

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "assurance-ledger/"

// layer is each package's place, bottom first. A package may import packages of its own layer or
// below, never above. ARCHITECTURE.md draws the same picture.
var layer = map[string]int{
	"domain": 0, "eventstore": 0, "internal/durable": 0, "internal/keyfile": 0, "internal/progress": 0,
	"internal/gcpace": 0, "internal/logredact": 0, "internal/codegen": 0, "internal/layers": 0,
	"internal/lazyfs": 0, "internal/thorough": 0, "internal/b64": 0,

	"eventcodec": 1, "eventstore/boltstore": 1, "eventstore/esdbstore": 1, "eventstore/storetest": 1,
	"internal/contenttest": 1,

	"command": 2, "projections": 2, "history": 2, "ledgertree": 2, "auth": 2, "verify": 2, "evidence": 2,
	"eventstore/migrate": 2, "internal/settle": 2, "demo": 2, "demo/demotest": 2, "compat": 2,

	"api": 3, "web": 3,

	"internal/service": 4, "internal/bench": 4, "audit": 4,

	"cmd/ledger": 5,
}

// forbidden are imports no layer number forbids but the design does: the domain is the rule book
// and imports nothing of the module, and the stores keep bytes, knowing nothing of the domain or of
// its wire format.
var forbidden = map[string][]string{
	"domain":               {""},
	"eventstore":           {"domain", "eventcodec"},
	"eventstore/boltstore": {"domain", "eventcodec"},
	"eventstore/esdbstore": {"domain", "eventcodec"},
	"eventstore/storetest": {"domain", "eventcodec"},
	"eventstore/migrate":   {"domain", "eventcodec"},
	"eventcodec":           {"eventstore"},
	"web":                  {"api", "command"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportsGoDownward(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		own, ok := layer[name]
		require.True(t, ok, "package %s has no layer: place it in internal/layers and in ARCHITECTURE.md", name)
		seen++
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			require.LessOrEqual(t, layer[dep], own, "%s (layer %d) imports %s (layer %d): layers depend downward only", name, own, dep, layer[dep])
			for _, f := range forbidden[name] {
				require.False(t, f == "" || dep == f || strings.HasPrefix(dep, f+"/"), "%s imports %s, which the design forbids", name, dep)
			}
		}
	}
	require.Equal(t, len(layer), seen, "a package in the layer table no longer exists")
}
