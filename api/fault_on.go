//go:build ledgerfault

package api

import (
	"os"
	"time"

	"assurance-ledger/projections"
)

// A binary built with -tags ledgerfault, for the tests of ledger audit only, misbehaves as
// LEDGER_TEST_FAULT says: "report" publishes a transparency report its log does not say (a plan
// counted twice); "slow-feed" takes a tenth of a second over each page of the audit feed, so that
// a test can interrupt an audit part way. A build without the tag has none of this code
// (fault_off.go), whatever the environment says.
var testFault = os.Getenv("LEDGER_TEST_FAULT")

func faultReport(r *projections.Report) {
	if testFault == "report" && len(r.BySHA) > 0 {
		r.Totals.Plans++
		r.BySHA[0].Plans++
		r.BySHA[0].Assured++
	}
}

func faultFeedPage() {
	if testFault == "slow-feed" {
		time.Sleep(100 * time.Millisecond)
	}
}
