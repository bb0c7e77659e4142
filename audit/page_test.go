package audit

import (
	"testing"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
)

// The direct reading of a page and the JSON decoder's agree, and the direct reading is the one
// taken for the layout the server writes.
func TestFastPageReadsTheServersLayout(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"format":"assurance-ledger/audit-feed-stored/v1","events":[{"position":1,"stream":"registry","revision":0,"type":"OrganisationRegistered","event_id":"0190a5b4-0000-7000-8000-000000000001","data_b64":"eyJhIjoxfQ==","metadata_b64":"e30="},{"position":3,"stream":"plan-x","revision":7,"type":"T","event_id":"0190a5b4-0000-7000-8000-000000000002","data_b64":"","metadata_b64":"eyJiIjoiXHUwMDNjIn0="}],"head_position":9,"next_from_position":4,"next":"/v1/audit/events?from_position=4\u0026limit=2\u0026view=stored"}` + "\n",
		`{"format":"assurance-ledger/audit-feed-stored/v1","events":[],"head_position":0,"next_from_position":null,"next":null}` + "\n",
	} {
		got, ok := fastPage([]byte(body), make([]byte, len(body)))
		require.True(t, ok, body)
		var want api.StoredEventsPage
		require.NoError(t, jsonv1.Unmarshal([]byte(body), &want))
		if len(want.Events) == 0 {
			want.Events = got.Events
		}
		for i := range want.Events {
			if len(want.Events[i].Data) == 0 {
				want.Events[i].Data = got.Events[i].Data
			}
		}
		assert.Equal(t, want, got)
	}
	_, ok := fastPage([]byte(`{ "format":"x","events":[]}`), make([]byte, 64))
	assert.False(t, ok, "another layout goes to the JSON decoder")
}
