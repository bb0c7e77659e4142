// Package bench measures the ledger as `ledger bench` reports it: the disk's raw fsync rate, the
// durable command path under concurrent writers, replay, start-up, reports, and the HTTP API on
// loopback, all in one run on one machine so that the figures can be read against each other.
//
// The workload is the demo generator at scale (demo.Generate): its registry, then plans driven
// through every lifecycle path the generator allocates, across as many planning rounds as needed.
// Each writer takes one plan at a time and runs its steps in order, so W writers work on W distinct
// plans, as W commissioners, providers and chief executives would.
package bench
