// Package audit is ledger audit: an auditor's own copy of a ledger, taken over its API, checked
// as it is taken, and held against what the server publishes.
//
// The auditor needs only the ledger's address, a token of any role and (ideally) the ledger's
// public key. Each audit mirrors the log from where the last one stopped through the audit feed's
// stored view, checks every event as ledger verify does before keeping it, rebuilds the ledger
// tree and holds the server's signed heads to it and to the last head an earlier audit matched (a
// rewritten, truncated or forked log is caught, naming the first event where the server departs),
// then rebuilds every projection from the mirror and compares every answer the server publishes
// "as of" the mirror's last position with the ledger's own code answering from the mirror.
//
// The state directory is a ledger data directory without secrets (the embedded store, the tree
// checkpoint, the heads matched) plus the pinned key and what the audits established, so that
// ledger verify, replay and evidence work on the auditor's copy as on the server's own.
package audit
