// Package projections builds the ledger's read models from the global event log: current plan state,
// registry, SHA assurance status, SRO evidence and the transparency report, and answers "as of" any
// earlier point. Each model is a fold over the log fed by one catch-up subscription; queries wait for
// a position to be applied so that a client can read its own writes.
package projections

//go:generate go test -run TestGeneratedCodeIsCurrent -update .
