package esdbstore

import (
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateConnStringAccepts(t *testing.T) {
	for _, s := range []string{
		"esdb://localhost:2113?tls=false",
		"esdb://localhost",
		"esdb://localhost:2113/",
		"esdb://eventstore:2113?tls=false",
		"esdb://node1:2113,node2:2113,node3:2113?nodePreference=leader",
		"esdb://node1:2113,node2:2113,node3:2113?tls=true&tlsCAFile=/certs/ca/ca.crt&nodePreference=leader",
		"esdb://admin:changeit@node1:2113,node2:2113?tlsVerifyCert=false",
		"esdb://ledger:p%40ss%3Aw%2Ford@db.example.org:2113",
		"esdb+discover://cluster.example.org:2113?nodePreference=follower",
		"esdb://localhost:2113?TLS=FALSE&NodePreference=ReadOnlyReplica",
		"esdb://localhost:2113?tls=true&userCertFile=u.crt&userKeyFile=u.key",
		"esdb://localhost:2113?tls=false&discoveryInterval=0&gossipTimeout=3&maxDiscoverAttempts=5&keepAliveInterval=-1&keepAliveTimeout=10000&defaultDeadline=5000",
		"esdb://10.0.0.7:2113?nodePreference=random",
		"esdb://es_node-1.internal:2113",
		"esdb://localhost:2113?tls=false&streamPrefix=ledger-a.",
	} {
		t.Run(s, func(t *testing.T) {
			require.NoError(t, ValidateConnString(s))
			// What passes here must pass the client too (no file options: it would read them).
			if _, err := esdb.ParseConnectionString(s); err != nil {
				assert.Contains(t, s, "File=", "the client refuses %s: %v", s, err)
			}
		})
	}
}

func TestValidateConnStringRefuses(t *testing.T) {
	cases := []struct {
		name, conn, want string
	}{
		{"empty", "", "scheme must be esdb://"},
		{"http", "http://localhost:2113", "scheme must be esdb://"},
		{"no scheme", "localhost:2113", "scheme must be esdb://"},
		{"kurrentdb scheme", "kurrentdb://localhost:2113", "scheme must be esdb://"},
		{"no host", "esdb://?tls=false", "no host"},
		{"no host after credentials", "esdb://admin:changeit@?tls=true", "no host"},
		{"empty seed", "esdb://node1:2113,,node3:2113", "empty host"},
		{"trailing comma", "esdb://node1:2113,", "empty host"},
		{"port not a number", "esdb://localhost:abc", "port must be a number"},
		{"port zero", "esdb://localhost:0", "port must be a number"},
		{"port too big", "esdb://localhost:70000", "port must be a number"},
		{"two colons", "esdb://localhost:2113:1", "port must be a number"},
		{"no name", "esdb://:2113", "has no name"},
		{"ipv6", "esdb://[::1]:2113", "IPv6"},
		{"bad host character", "esdb://local*host:2113", "character"},
		{"path", "esdb://localhost:2113/ledger", "unexpected path"},
		{"fragment", "esdb://localhost:2113#x", "#fragment"},
		{"space", "esdb://localhost:2113?tls=false ", "spaces"},
		{"discover with seeds", "esdb+discover://a:2113,b:2113", "one DNS name"},
		{"empty stream prefix", "esdb://localhost:2113?streamPrefix=", "streamPrefix=: must be 1 to 64"},
		{"stream prefix with $", "esdb://localhost:2113?streamPrefix=%24ledger", "has the character '$'"},
		{"stream prefix with /", "esdb://localhost:2113?streamPrefix=a%2Fb", "has the character '/'"},
		{"stream prefix without the separator at its end", "esdb://localhost:2113?streamPrefix=plan-b", `must end with "."`},
		{"stream prefix ending elsewhere", "esdb://localhost:2113?streamPrefix=l.plan-", `must end with "."`},
		{"unknown option", "esdb://localhost:2113?tsl=false", `unknown option "tsl"`},
		{"connectionName is not a v4 option", "esdb://localhost:2113?connectionName=ledger", "unknown option"},
		{"option twice", "esdb://localhost:2113?tls=false&tls=true", "given 2 times"},
		{"option twice in two cases", "esdb://localhost:2113?tls=false&TLS=false", "tls is given 2 times"},
		{"stream prefix twice in two cases", "esdb://localhost:2113?streamPrefix=a.&StreamPrefix=b.", "streamPrefix is given 2 times"},
		{"tls not a boolean", "esdb://localhost:2113?tls=no", "true or false"},
		{"tls empty", "esdb://localhost:2113?tls=", "true or false"},
		{"tlsVerifyCert not a boolean", "esdb://localhost:2113?tlsVerifyCert=1", "true or false"},
		{"node preference", "esdb://localhost:2113?nodePreference=master", "leader, follower, random or readOnlyReplica"},
		{"negative discovery interval", "esdb://localhost:2113?discoveryInterval=-5", ">= 0"},
		{"zero gossip timeout", "esdb://localhost:2113?gossipTimeout=0", ">= 1"},
		{"zero attempts", "esdb://localhost:2113?maxDiscoverAttempts=0", ">= 1"},
		{"keep-alive below -1", "esdb://localhost:2113?keepAliveInterval=-2", ">= -1"},
		{"deadline not a number", "esdb://localhost:2113?defaultDeadline=5s", ">= 1"},
		{"empty CA file", "esdb://localhost:2113?tlsCAFile=", "must name a file"},
		{"cert without key", "esdb://localhost:2113?userCertFile=u.crt", "go together"},
		{"key without cert", "esdb://localhost:2113?userKeyFile=u.key", "go together"},
		{"credentials without tls", "esdb://admin:changeit@localhost:2113?tls=false", "credentials need TLS"},
		{"user certificate without tls", "esdb://localhost:2113?tls=false&userCertFile=u.crt&userKeyFile=u.key", "user certificate needs TLS"},
		{"empty user name", "esdb://:secret@localhost:2113", "empty user name"},
		{"malformed escape in options", "esdb://localhost:2113?tls=%zz", "malformed options"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateConnString(tc.conn)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrConnString)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestValidateConnStringNeverRepeatsCredentials(t *testing.T) {
	for _, s := range []string{
		"esdb://admin:s3cr3t@localhost:2113?tls=false",
		"esdb://admin:s3cr3t@localhost:2113?tsl=true",
		"esdb://admin:s3cr3t@node1:2113,,node3",
		"esdb://admin:s3cr3t@localhost:2113/path",
		"esdb://admin:s3/cr3t@localhost:2113", // an unescaped / cuts the authority short
		"esdb://admin:s3cr3t@[::1]:2113",
	} {
		t.Run(s, func(t *testing.T) {
			err := ValidateConnString(s)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "s3cr3t")
			require.NotContains(t, err.Error(), "s3/cr3t")
			require.Contains(t, err.Error(), "esdb://***@")
		})
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"esdb://localhost:2113?tls=false", "esdb://localhost:2113?tls=false"},
		{"esdb://admin:changeit@localhost:2113", "esdb://***@localhost:2113"},
		{"esdb://admin@localhost:2113", "esdb://***@localhost:2113"},
		{"esdb+discover://u:p@cluster:2113?tls=true", "esdb+discover://***@cluster:2113?tls=true"},
		{"esdb://u:p@a@b:2113", "esdb://***@b:2113"},
		{"not a url @ all", "not a url @ all"},
		{"embedded", "embedded"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Redact(tc.in), tc.in)
	}
}

func TestIsConnString(t *testing.T) {
	for s, want := range map[string]bool{
		"esdb://localhost":          true,
		"esdb+discover://cluster":   true,
		"embedded":                  false,
		"./ledger-data":             false,
		"/var/lib/esdb://not-there": false,
		"ESDB://localhost":          false,
	} {
		assert.Equal(t, want, IsConnString(s), s)
	}
}

func TestWithoutStreamPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"esdb://h:2113?tls=false&streamPrefix=a&nodePreference=leader": "esdb://h:2113?tls=false&nodePreference=leader",
		"esdb://h:2113?STREAMPREFIX=a":                                 "esdb://h:2113",
		"esdb://h:2113?tls=false":                                      "esdb://h:2113?tls=false",
		"esdb://h:2113":                                                "esdb://h:2113",
	} {
		assert.Equal(t, want, withoutStreamPrefix(in), in)
	}
}
