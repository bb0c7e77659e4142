package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"assurance-ledger/internal/logredact"
)

// Log formats of --log-format. "auto" is text for a person at a terminal and JSON for anything
// else (a file, a pipe, journald, a container runtime), which is where machines read it.
const (
	logAuto = "auto"
	logJSON = "json"
	logText = "text"
)

// resolveLogFormat turns --log-format into json or text, looking at w only for "auto".
func resolveLogFormat(flag string, w io.Writer) (string, error) {
	switch flag {
	case logJSON, logText:
		return flag, nil
	case logAuto, "":
		if isTerminal(w) {
			return logText, nil
		}
		return logJSON, nil
	}
	return "", fmt.Errorf("--log-format %q must be json, text or auto", flag)
}

// isTerminal says whether w is a terminal. A character device alone is not enough: /dev/null is
// one, and a service whose log is thrown away there is no person reading.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// newLogger is the service's log on w in the given format (json when empty), with tokens, bearer
// credentials and the given secrets removed from every record.
func newLogger(w io.Writer, format string, secrets ...[]byte) *slog.Logger {
	var h slog.Handler = slog.NewJSONHandler(w, nil)
	if format == logText {
		h = slog.NewTextHandler(w, nil)
	}
	return slog.New(logredact.New(h, secrets...))
}

// startBanner is the line a person starting the service reads first: where it answers, how to
// sign in to the dashboard and how to get a token for it. Only printed with the text log: a JSON
// log's "serving" record carries the same facts for machines.
func startBanner(base, data string) string {
	return fmt.Sprintf("ledger is serving on %[1]s: the API under %[1]s/v1, the dashboard at %[1]s/\n"+
		"  sign in with a link:  ledger token --data %[2]s --sub ID --name NAME --role ROLE --org ODS --login-url %[1]s\n"+
		"  a bearer token:       the same without --login-url (roles: admin, pct_commissioner, provider, chief_executive, sha_assurer, cfh, auditor)\n",
		base, shellWord(data))
}

// shellWord quotes s for a POSIX shell when it holds anything a shell would split or expand.
func shellWord(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r == '+' || r == ',' || r == '=' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	if s == "" {
		return "''"
	}
	return s
}
