// Package api serves the ledger over HTTP with Echo: commands, queries over the projections, and the
// operational endpoints.
package api
