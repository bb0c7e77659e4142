//go:build !ledgerfault

package api

import "assurance-ledger/projections"

// The test-only faults of fault_on.go are not in this build: these do nothing.

func faultReport(*projections.Report) {}

func faultFeedPage() {}
