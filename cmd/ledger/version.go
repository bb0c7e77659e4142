package main

import (
	"fmt"
	"runtime/debug"
)

// version is what `ledger --version` prints: the module version and the VCS revision the binary was
// built from, as the Go toolchain stamped them, so that a report or a bug can name the build exactly.
// `go run` and test binaries carry no VCS stamp; the line then says so rather than inventing one.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module information)"
	}
	return describeBuild(bi)
}

func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	switch {
	case rev == "":
		v += ", no VCS revision recorded"
	default:
		v += ", revision " + rev
		if when != "" {
			v += " of " + when
		}
		if modified {
			v += " with uncommitted changes"
		}
	}
	return fmt.Sprintf("%s (%s)", v, bi.GoVersion)
}
