package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSameLedger(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"esdb://a:2113", "esdb://a:2113", true},
		{"esdb://a", "esdb://A:2113?tls=false", true},
		{"esdb://admin:x@a:2113", "esdb://ops:y@a:2113", true},
		{"esdb://n1:2113,n2:2113", "esdb://n3:2113,n2:2113", true},
		{"esdb://a:2113?streamPrefix=l.", "esdb://a:2113?StreamPrefix=l.", true},
		{"esdb://a:2113", "esdb://a:2113?streamPrefix=ledger-a.", false},
		{"esdb://a:2113?streamPrefix=l.", "esdb://a:2113?streamPrefix=l.plan.", false},
		{"esdb://a:2113", "esdb://b:2113", false},
		{"esdb://a:2113", "esdb://a:2114", false},
		{"esdb://a:2113", "esdb+discover://a:2113", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SameLedger(tt.a, tt.b), "%s | %s", tt.a, tt.b)
		assert.Equal(t, tt.want, SameLedger(tt.b, tt.a), "%s | %s", tt.b, tt.a)
	}
}
