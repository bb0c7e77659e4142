package api

import (
	"assurance-ledger/eventcodec"
	"assurance-ledger/projections"
)

// planAnswer is st as GET /v1/plans/{id} answers it: the content's absent lists as [], as the ledger
// writes content everywhere (a client should not have to tell null from an empty list).
func planAnswer(st projections.PlanState) projections.PlanState {
	st.Content = eventcodec.WithLists(st.Content)
	return st
}
