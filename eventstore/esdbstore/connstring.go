package esdbstore

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ErrConnString is matched (errors.Is) by every error ValidateConnString returns.
var ErrConnString = errors.New("invalid EventStoreDB connection string")

// options are the query options the v4 client understands, by the lower-case name it matches
// them with, each with the spelling the documentation uses and a check of its value, and the
// store's own streamPrefix (Options.StreamPrefix). The client itself only logs an option it does
// not know and goes on (as it does with streamPrefix), and silently ignores a malformed
// defaultDeadline: a typo in a production connection string would then change nothing, silently.
var options = map[string]struct {
	name  string
	check func(string) error
}{
	"tls":                 {"tls", isBool},
	"tlsverifycert":       {"tlsVerifyCert", isBool},
	"tlscafile":           {"tlsCAFile", isPath},
	"usercertfile":        {"userCertFile", isPath},
	"userkeyfile":         {"userKeyFile", isPath},
	"nodepreference":      {"nodePreference", isNodePreference},
	"discoveryinterval":   {"discoveryInterval", intAtLeast(0, "milliseconds")},
	"gossiptimeout":       {"gossipTimeout", intAtLeast(1, "seconds")},
	"maxdiscoverattempts": {"maxDiscoverAttempts", intAtLeast(1, "attempts")},
	"keepaliveinterval":   {"keepAliveInterval", intAtLeast(-1, "milliseconds, or -1 to disable")},
	"keepalivetimeout":    {"keepAliveTimeout", intAtLeast(-1, "milliseconds, or -1 to disable")},
	"defaultdeadline":     {"defaultDeadline", intAtLeast(1, "milliseconds")},
	"streamprefix":        {"streamPrefix", checkStreamPrefix},
}

// maxStreamPrefix bounds a stream prefix: it is stored with every event.
const maxStreamPrefix = 64

// checkStreamPrefix accepts a prefix of letters, digits, '.', '_' and '-' that ends with the
// separator '.': nothing the server reads specially ($ starts its own streams), nothing a
// connection string must encode, and a clear end, so that no ledger reads another's streams as its
// own (see separator).
func checkStreamPrefix(v string) error {
	if v == "" || len(v) > maxStreamPrefix {
		return fmt.Errorf("must be 1 to %d characters", maxStreamPrefix)
	}
	for _, r := range v {
		if !(r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("has the character %q (letters, digits, '.', '_' and '-' only)", r)
		}
	}
	if !strings.HasSuffix(v, separator) {
		return fmt.Errorf("must end with %q, which no ledger stream name has, so that ledgers sharing a server never read each other's streams (e.g. %s%s)", separator, v, separator)
	}
	return nil
}

// withoutStreamPrefix is s without its streamPrefix option, for the client, which would warn on
// standard error about an option it does not know.
func withoutStreamPrefix(s string) string {
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		if k, _, _ := strings.Cut(kv, "="); !strings.EqualFold(k, "streamPrefix") {
			kept = append(kept, kv)
		}
	}
	if len(kept) == 0 {
		return base
	}
	return base + "?" + strings.Join(kept, "&")
}

// streamPrefixOption returns the streamPrefix option of a connection string ValidateConnString
// accepted, or "".
func streamPrefixOption(s string) string {
	_, query, _ := strings.Cut(s, "?")
	values, _ := url.ParseQuery(query)
	for k, v := range values {
		if strings.EqualFold(k, "streamPrefix") {
			return v[0]
		}
	}
	return ""
}

// knownOptions lists the option names for messages, sorted.
func knownOptions() string {
	names := make([]string, 0, len(options))
	for _, o := range options {
		names = append(names, o.name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// IsConnString reports whether s is meant as an EventStoreDB connection string (by its scheme),
// valid or not: the CLI uses it to tell a connection string from a directory.
func IsConnString(s string) bool {
	return strings.HasPrefix(s, "esdb://") || strings.HasPrefix(s, "esdb+discover://")
}

// ValidateConnString checks a connection string the way the v4 client reads it, and more strictly
// where the client would accept a mistake quietly: scheme esdb:// or esdb+discover://, one host
// or a comma-separated list of gossip seeds (host[:port]), optional credentials, and only known
// query options with well-formed values. It reads no file and contacts no server. Messages never
// repeat the credentials.
func ValidateConnString(s string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrConnString, Redact(s), fmt.Sprintf(format, args...))
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "esdb" && scheme != "esdb+discover") {
		return fail("the scheme must be esdb:// (one node, or gossip seeds of a cluster) or esdb+discover:// (a cluster found through DNS)")
	}
	if strings.ContainsAny(rest, "# \t\r\n") {
		return fail("it must not contain spaces or a #fragment")
	}
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	if path != "" {
		return fail("unexpected path /%s (options go after ?)", path)
	}
	hosts := authority
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		if err := checkUserinfo(authority[:at]); err != nil {
			return fail("%v", err)
		}
		hosts = authority[at+1:]
	}
	if hosts == "" {
		return fail("no host (e.g. esdb://localhost:2113)")
	}
	seeds := strings.Split(hosts, ",")
	if scheme == "esdb+discover" && len(seeds) > 1 {
		return fail("esdb+discover:// takes one DNS name, not a list of hosts")
	}
	for _, h := range seeds {
		if err := checkHost(h); err != nil {
			return fail("%v", err)
		}
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return fail("malformed options: %v", err)
	}
	// The client matches names whatever their case, and so does the store: the same option in two
	// spellings is given twice, and which one won would depend on map order.
	given := map[string]int{}
	for key, vals := range values {
		given[strings.ToLower(key)] += len(vals)
	}
	for key, vals := range values {
		opt, known := options[strings.ToLower(key)]
		if !known {
			return fail("unknown option %q (known: %s)", key, knownOptions())
		}
		if n := given[strings.ToLower(key)]; n > 1 {
			return fail("option %s is given %d times (names are matched whatever their case)", opt.name, n)
		}
		if err := opt.check(vals[0]); err != nil {
			return fail("option %s=%s: %v", opt.name, vals[0], err)
		}
	}
	get := func(key string) string {
		for k, v := range values {
			if strings.EqualFold(k, key) {
				return strings.ToLower(v[0])
			}
		}
		return ""
	}
	if (get("userCertFile") == "") != (get("userKeyFile") == "") {
		return fail("userCertFile and userKeyFile go together")
	}
	if get("tls") == "false" {
		if strings.Contains(authority, "@") {
			// The client's basic-auth credentials demand transport security: every call would fail.
			return fail("credentials need TLS: remove tls=false, or the credentials for an insecure server")
		}
		if get("userCertFile") != "" {
			return fail("a user certificate needs TLS: remove tls=false")
		}
	}
	return nil
}

func checkUserinfo(info string) error {
	// Parsed the way the client parses it, on a stand-in host, so that the same strings pass.
	u, err := url.Parse("esdb://" + info + "@host")
	if err != nil || u.User == nil {
		return errors.New("the credentials are malformed (percent-encode reserved characters such as @ : / ?)")
	}
	if u.User.Username() == "" {
		return errors.New("the credentials have an empty user name")
	}
	return nil
}

func checkHost(h string) error {
	if h == "" {
		return errors.New("an empty host in the list (a stray comma?)")
	}
	if strings.HasPrefix(h, "[") {
		return fmt.Errorf("host %s: IPv6 literals are not supported by the client; use a host name", h)
	}
	name, port, hasPort := strings.Cut(h, ":")
	if name == "" {
		return fmt.Errorf("host %q has no name", h)
	}
	for _, r := range name {
		if !(r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("host %q has the character %q", name, r)
		}
	}
	if hasPort {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("host %s: the port must be a number from 1 to 65535", h)
		}
	}
	return nil
}

func isBool(v string) error {
	switch strings.ToLower(v) {
	case "true", "false":
		return nil
	}
	return errors.New("must be true or false")
}

func isPath(v string) error {
	if v == "" {
		return errors.New("must name a file")
	}
	return nil
}

func isNodePreference(v string) error {
	switch strings.ToLower(v) {
	case "leader", "follower", "random", "readonlyreplica":
		return nil
	}
	return errors.New("must be leader, follower, random or readOnlyReplica")
}

func intAtLeast(least int, unit string) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			return fmt.Errorf("must be a whole number >= %d (%s)", least, unit)
		}
		return nil
	}
}

// Redact hides the credentials of a connection string, so that it can be logged or shown in an
// error. It errs on the side of hiding: everything between the scheme and the last @ goes, even
// when that @ sits in an option value.
func Redact(s string) string {
	scheme := strings.Index(s, "://")
	at := strings.LastIndex(s, "@")
	if scheme < 0 || at < scheme {
		return s
	}
	return s[:scheme+3] + "***" + s[at:]
}
