package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// demoAPI is the API handler (no network) over the demo round, with an auditor's token and every
// plan's id.
func demoAPI(tb testing.TB) (e *echo.Echo, token string, plans []string) {
	tb.Helper()
	e, token, plans, _ = demoAPIWithProjector(tb)
	return e, token, plans
}

func demoAPIWithProjector(tb testing.TB) (e *echo.Echo, token string, plans []string, proj *projections.Projector) {
	tb.Helper()
	store := demotest.Store(tb, 0)
	proj = projections.New(store, nil)
	require.NoError(tb, proj.CatchUp(context.Background()))
	e = api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store,
		Tokens: auth.NewVerifier(secret, nil)})
	token, err := auth.Mint(secret, domain.Actor{PersonID: "p-auditor", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(tb, err)
	for _, p := range proj.Plans(projections.PlanFilter{}) {
		plans = append(plans, p.PlanID)
	}
	require.NotEmpty(tb, plans)
	return e, token, plans, proj
}

func getPlan(e *echo.Echo, token, id string) *httptest.ResponseRecorder {
	return get(e, token, "/v1/plans/"+id)
}

func get(e *echo.Echo, token, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// GET /v1/plans/{id} answers every demo plan, now and as of several positions, with the bytes
// encoding/json gives for the projection's PlanState (what the handler sent before it encoded a
// mirror of it), newline included, as Echo writes it. The README's test command asks a sample of
// the plans (the first and the last always), LEDGER_TEST_THOROUGH=1 all of them.
func TestGetPlanBodiesAreThePlanStateJSON(t *testing.T) {
	t.Parallel()
	e, token, plans, proj := demoAPIWithProjector(t)
	head := proj.Applied()
	plans = thorough.Pick(t, plans, 40)
	// Position by position, so that the plans as of one position share the registry folded for it.
	for _, asOf := range []eventstore.Position{0, head / 3, head / 2, head - 1} {
		for _, id := range plans {
			path := "/v1/plans/" + id
			var (
				st    projections.PlanState
				found bool
				err   error
			)
			if asOf != 0 {
				path += fmt.Sprintf("?as_of=%d", asOf)
			}
			// Asked before Plan fills the content cache: the content is lent from the store.
			rec := get(e, token, path)
			if asOf == 0 {
				st, found, err = proj.Plan(context.Background(), id)
			} else {
				st, found, err = proj.PlanAsOf(context.Background(), id, asOf)
			}
			require.NoError(t, err)
			if !found {
				require.Equal(t, http.StatusNotFound, rec.Code, path)
				continue
			}
			require.Equal(t, http.StatusOK, rec.Code, path)
			var want bytes.Buffer
			require.NoError(t, api.WriteAnswer(&want, st))
			require.Equal(t, want.String(), rec.Body.String(), path)
			require.Equal(t, strconv.Quote(strconv.FormatUint(st.Revision, 10)), rec.Header().Get("ETag"), path)
			require.Equal(t, echo.MIMEApplicationJSON, rec.Header().Get(echo.HeaderContentType), path)
			if asOf == 0 { // and again from the cache Plan filled, and indented on request
				require.Equal(t, want.String(), get(e, token, path).Body.String(), path)
				var indented bytes.Buffer
				require.NoError(t, json.Indent(&indented, bytes.TrimSpace(want.Bytes()), "", "  "))
				indented.WriteByte('\n')
				require.Equal(t, indented.String(), get(e, token, path+"?pretty").Body.String(), path)
			}
		}
	}
}

// BenchmarkGetPlan is the server's cost of GET /v1/plans/{id} (routing, token check, projection
// read, JSON encoding), without the network, over the demo plans in turn.
func BenchmarkGetPlan(b *testing.B) {
	e, token, plans := demoAPI(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if rec := getPlan(e, token, plans[i%len(plans)]); rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		i++
	}
}

// A plan the projections do not hold is a 404 problem, now and as of a position, whichever way the
// answer would have been read.
func TestGetPlanNotFound(t *testing.T) {
	e, token, _, proj := demoAPIWithProjector(t)
	id := uuid.NewString()
	for _, path := range []string{"/v1/plans/" + id, "/v1/plans/" + id + "?pretty", fmt.Sprintf("/v1/plans/%s?as_of=%d", id, proj.Applied())} {
		rec := get(e, token, path)
		require.Equal(t, http.StatusNotFound, rec.Code, path)
		require.Equal(t, "application/problem+json", rec.Header().Get(echo.HeaderContentType), path)
		require.Contains(t, rec.Body.String(), `"plan_not_found"`, path)
		require.Empty(t, rec.Header().Get("ETag"), path)
	}
}

// failingLender is the embedded store, whose lends of a single event fail.
type failingLender struct {
	eventstore.Store
	l eventstore.Lender
}

func (f failingLender) LendStreamEvent(context.Context, string, uint64, func(eventstore.RecordedEvent) error) (bool, error) {
	return false, errors.New("the disk went away")
}

func (f failingLender) LendAll(ctx context.Context, after eventstore.Position, limit int, fn func([]eventstore.RecordedEvent) error) (int, error) {
	return f.l.LendAll(ctx, after, limit, fn)
}

func (f failingLender) Spread(recs []eventstore.RecordedEvent, workers int, work func(int)) error {
	return f.l.Spread(recs, workers, work)
}

var _ eventstore.Lender = failingLender{}

// A plan that exists but whose content cannot be read is a 500 problem with nothing of the plan and
// no ETag, not a partial answer.
func TestGetPlanWhoseContentCannotBeReadIs500(t *testing.T) {
	store := demotest.Store(t, 0)
	proj := projections.New(failingLender{Store: store, l: store}, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	e := api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store,
		Tokens: auth.NewVerifier(secret, nil)})
	token, err := auth.Mint(secret, domain.Actor{PersonID: "p-auditor", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(t, err)
	plans := proj.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)
	rec := getPlan(e, token, plans[0].PlanID)
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	require.Equal(t, "application/problem+json", rec.Header().Get(echo.HeaderContentType))
	require.Empty(t, rec.Header().Get("ETag"))
	require.Contains(t, rec.Body.String(), `"code":"internal_error"`)
	require.NotContains(t, rec.Body.String(), `"lhc_id"`, "nothing of the plan")
}
