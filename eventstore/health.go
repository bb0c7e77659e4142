package eventstore

// Health is what a store that reaches its events over a network knows of that connection. The
// service shows it in readiness and metrics, so that an operator sees a database that has gone
// away before the users do. The embedded store has no connection and reports none.
type Health struct {
	// Connected is true when the last request reached the database, whatever it answered.
	Connected bool `json:"connected"`
	// Reconnects counts recoveries after the connection failed.
	Reconnects uint64 `json:"reconnects"`
	// LastError is the last connection failure ("" if none yet). It stays after a recovery, so
	// that an operator can see what happened.
	LastError string `json:"last_error,omitempty"`
}

// HealthReporter is implemented by stores with a connection worth watching.
type HealthReporter interface {
	Health() Health
}
