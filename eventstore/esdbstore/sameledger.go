package esdbstore

import (
	"strings"
)

// SameLedger reports whether two connection strings ValidateConnString accepted name one ledger:
// the same server (one host in common, the port 2113 when none is given; credentials and the
// other options aside) and the same stream prefix. A copy from one to the other would read what
// it writes. Ledgers with different prefixes on one server never read each other's streams (see
// separator), so a copy between them is a copy between two ledgers. Two names of one host (a
// name and its address) are not recognised as one.
func SameLedger(a, b string) bool {
	if streamPrefixOption(a) != streamPrefixOption(b) {
		return false
	}
	hostsA, hostsB := hostsOf(a), hostsOf(b)
	for h := range hostsA {
		if hostsB[h] {
			return true
		}
	}
	return false
}

// hostsOf is the set of host:port a connection string names, lower case.
func hostsOf(s string) map[string]bool {
	scheme, rest, _ := strings.Cut(s, "://")
	rest, _, _ = strings.Cut(rest, "?")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	hosts := map[string]bool{}
	for _, h := range strings.Split(rest, ",") {
		h = strings.ToLower(h)
		if !strings.Contains(h, ":") {
			h += ":2113"
		}
		hosts[scheme+"://"+h] = true
	}
	return hosts
}
