package api

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/eventstore"
	"assurance-ledger/history"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// Config is what the server is built from.
type Config struct {
	Commands    *command.Handler
	Projections *projections.Projector
	Store       eventstore.Store
	Tokens      *auth.Verifier
	Log         *slog.Logger
	// Metrics receives the HTTP metrics; /metrics serves it. nil: a fresh registry.
	Metrics *prometheus.Registry
	// Tree follows the log into the ledger-wide Merkle tree and TreeSigner signs its heads. Either
	// nil: the /v1/ledger routes answer 503 and readiness ignores the tree.
	Tree       *ledgertree.Follower
	TreeSigner *ledgertree.Signer
	// Heads, when set, stores every head /v1/ledger/tree-head gives out (one per tree size), for
	// ledger verify to check later. nil: heads are signed on request and not kept.
	Heads *ledgertree.HeadLog
	// BackupDir holds the temporary copy GET /v1/admin/backup makes before sending it. Default: the
	// system's temporary directory.
	BackupDir string
	// ReadWait bounds how long a query with min_position waits for the projections. Default 5 s.
	ReadWait time.Duration
	// RequestTimeout bounds how long a request may be handled; past it, work that honours its
	// context stops and the client gets 503 problem+json. Default 20 s; it must exceed ReadWait.
	RequestTimeout time.Duration
	// RateLimit is the sustained number of /v1 requests a second allowed to one person (whatever
	// token they use), and to one client address for requests that fail to authenticate; RateBurst
	// is how many may come at once. RateLimit <= 0: no limit. RateBurst < 1: RateLimit, rounded up.
	RateLimit float64
	RateBurst int
	// Limit, when set, is the limit to apply instead of one made from RateLimit and RateBurst: one
	// shared with the dashboard.
	Limit *RateLimit
	// Reads bounds the expensive reads (as-of refolds, evidence bundles) running at once, per person
	// and in all; shared with the dashboard. nil: NewReadGate(DefaultExpensivePerPerson,
	// DefaultExpensiveTotal).
	Reads *ReadGate
}

type server struct {
	Config
	limiter *limiter
	history *history.Reader
	routes  *routeTable
	backups backupCache
}

// New returns the HTTP handler of the ledger.
func New(cfg Config) *echo.Echo {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	if cfg.ReadWait <= 0 {
		cfg.ReadWait = 5 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 20 * time.Second
	}
	if cfg.Limit == nil {
		cfg.Limit = NewRateLimit(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.Reads == nil {
		cfg.Reads = NewReadGate(DefaultExpensivePerPerson, DefaultExpensiveTotal)
	}
	s := &server{Config: cfg, limiter: cfg.Limit.l, history: history.New(cfg.Store)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.JSONSerializer = answerSerializer{}
	e.HTTPErrorHandler = errorHandler(cfg.Log)
	e.IPExtractor = echo.ExtractIPDirect()
	s.routes = newRouteTable(e)
	m := newMetrics(cfg.Metrics, s.routes)
	registerStoreHealth(cfg.Metrics, cfg.Store)

	e.Use(requestID)
	e.Use(accessLog(cfg.Log, s.routes))
	e.Use(m.middleware)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		cfg.Log.Error("panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err.Error(), "stack", string(stack))
		return err
	}}))
	e.Use(securityHeaders)
	e.Use(s.limitUnrouted)
	// The deadline reaches the command handler and the store through the request context; the
	// error it ends with is answered as 503 "timeout" by the error handler.
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
		Timeout:      cfg.RequestTimeout,
		ErrorHandler: func(err error, _ echo.Context) error { return err },
	}))

	// Every GET route answers HEAD as RFC 9110 (section 9.3.2) requires: the same handler, whose
	// body net/http does not send.
	var paths []string // every path the document declares, for its OPTIONS below
	operational := func(path string, h echo.HandlerFunc) {
		paths = append(paths, path)
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			e.Add(m, path, h, s.checkQuery(m, path))
		}
	}
	operational("/healthz", s.healthz)
	operational("/readyz", s.readyz)
	operational("/metrics", echo.WrapHandler(metricsHandler(cfg.Metrics)))
	operational("/openapi.json", serveOpenAPI)

	// Each /v1 route takes its middleware itself rather than from a group: a group with middleware
	// registers a catch-all under /v1 that answers a known path with a wrong method 404, where
	// Echo's router answers 405 with an Allow header.
	v1 := func(method, path string, h echo.HandlerFunc, rules ...rule) {
		if !slices.Contains(paths, "/v1"+path) {
			paths = append(paths, "/v1"+path)
		}
		methods := []string{method}
		if method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
		for _, m := range methods {
			mw := []echo.MiddlewareFunc{s.authenticate, s.limitPrincipal}
			if len(rules) > 0 {
				mw = append(mw, allow(rules...))
			}
			mw = append(mw, s.checkQuery(m, "/v1"+path))
			e.Add(m, "/v1"+path, h, mw...)
		}
	}
	admin := roleIs(adminRole)
	v1(http.MethodPost, "/organisations", s.registerOrganisation, admin)
	v1(http.MethodPost, "/organisations/:ods/chief-executive", s.appointChiefExecutive, admin)
	v1(http.MethodPost, "/lhcs", s.formLHC, admin)
	v1(http.MethodPatch, "/lhcs/:id/members", s.changeMembers, admin)
	v1(http.MethodPost, "/plans", s.submitPlan, roleIs(pctRole))
	v1(http.MethodPost, "/plans/:id/revisions", s.revisePlan, roleIs(pctRole))
	v1(http.MethodPost, "/plans/:id/contributions", s.contribute, roleIs(providerRole, pctRole))
	v1(http.MethodPost, "/plans/:id/sro-signoffs", s.signOff, roleIs(ceRole))
	v1(http.MethodPost, "/plans/:id/assurances", s.assure, roleIs(shaRole))
	v1(http.MethodPost, "/plans/:id/acknowledgements", s.acknowledge, roleIs(cfhRole))
	v1(http.MethodPost, "/plans/:id/withdrawal", s.withdraw, roleIs(pctRole))
	// The assurance process (assurance.go).
	v1(http.MethodPost, "/rounds", s.publishRound, admin)
	v1(http.MethodPost, "/rounds/:round/milestones", s.changeMilestone, admin)
	v1(http.MethodPost, "/pfits", s.registerPfIT, admin)
	v1(http.MethodPost, "/shas/:code/pfit", s.assignPfIT, admin)
	v1(http.MethodPost, "/plans/:id/declines", s.declineContribution, roleIs(providerRole, pctRole))
	v1(http.MethodPost, "/plans/:id/excusals", s.excuseMember, roleIs(shaRole))
	v1(http.MethodPost, "/plans/:id/cfh-notes", s.noteAssurance, roleIs(cfhRole))
	v1(http.MethodPost, "/plans/:id/conditions/:condition_id/evidence", s.conditionEvidence, roleIs(pctRole))
	v1(http.MethodPost, "/plans/:id/conditions/:condition_id/discharge", s.dischargeCondition, roleIs(shaRole))
	v1(http.MethodPost, "/plans/:id/conditions/:condition_id/lapse", s.lapseCondition, roleIs(shaRole))
	v1(http.MethodPost, "/shas/:code/returns", s.submitReturn, roleIs(shaRole))
	v1(http.MethodPost, "/shas/:code/returns/:event_id/acknowledgement", s.acknowledgeReturn, roleIs(cfhRole))
	// Delivery and governance (delivery.go).
	v1(http.MethodPost, "/plans/:id/delivery-reports", s.reportMilestone, roleIs(pctRole, providerRole))
	v1(http.MethodPost, "/governance-bodies", s.recordGovernanceBody, admin)
	v1(http.MethodPost, "/plans/:id/board-approvals", s.recordBoardApproval, roleIs(ceRole, pctRole, providerRole))

	v1(http.MethodGet, "/organisations", s.listOrganisations)
	v1(http.MethodGet, "/organisations/:ods", s.getOrganisation)
	v1(http.MethodGet, "/lhcs", s.listLHCs)
	v1(http.MethodGet, "/plans", s.listPlans)
	v1(http.MethodGet, "/plans/:id", s.getPlan)
	v1(http.MethodGet, "/plans/:id/audit-trail", s.auditTrail)
	// Every signed-in role reads every governance fact: the ledger is a transparency instrument,
	// and what a route would hold back can be rebuilt from the plan list and the audit trails.
	v1(http.MethodGet, "/shas/:code/assurance-status", s.shaStatus)
	v1(http.MethodGet, "/organisations/:ods/sro-evidence", s.sroEvidence)
	v1(http.MethodGet, "/reports/transparency", s.transparencyReport)
	v1(http.MethodGet, "/rounds", s.listRounds)
	v1(http.MethodGet, "/rounds/:round", s.getRound)
	v1(http.MethodGet, "/pfits", s.listPfITs)
	v1(http.MethodGet, "/shas/:code/returns", s.shaReturns)
	v1(http.MethodGet, "/reports/criteria", s.criteriaReport)
	v1(http.MethodGet, "/reports/sro-coverage", s.coverageReport)
	v1(http.MethodGet, "/reports/cfh-returns", s.cfhReturnsReport)
	v1(http.MethodGet, "/plans/:id/delivery", s.planDelivery)
	v1(http.MethodGet, "/reports/delivery", s.deliveryReport)
	v1(http.MethodGet, "/reports/funding", s.fundingReport)
	v1(http.MethodGet, "/governance-bodies", s.listGovernanceBodies)
	v1(http.MethodGet, "/audit/events", s.auditEvents)
	v1(http.MethodGet, "/ledger/tree-head", s.treeHead)
	v1(http.MethodGet, "/ledger/public-key", s.publicKey)
	v1(http.MethodGet, "/ledger/proofs/inclusion/:event_id", s.inclusionProof)
	v1(http.MethodGet, "/ledger/proofs/consistency", s.consistencyProof)
	v1(http.MethodGet, "/admin/backup", s.backup, admin)

	// OPTIONS on every path is an operation of the document like the others (its query checked),
	// answered without a token, and so limited by the client address.
	for _, path := range paths {
		e.Add(http.MethodOptions, path, s.options, s.limitAddress, s.checkQuery(http.MethodOptions, path))
	}
	return e
}

// options answers OPTIONS: 204, and Allow naming the methods the path takes, as Echo names them
// in a 405's Allow.
func (s *server) options(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderAllow, s.routes.allow(c.Path()))
	return c.NoContent(http.StatusNoContent)
}

// limitAddress limits a request that presents no person's token by its client address.
func (s *server) limitAddress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.limitAnonymous(c); err != nil {
			return err
		}
		return next(c)
	}
}

func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(c echo.Context) error {
	if s.Projections != nil {
		if err := s.Projections.Ready(); err != nil {
			p := newProblem(http.StatusServiceUnavailable, "not_ready", err.Error())
			p.retryAfter = 1
			return p
		}
	}
	if s.Tree != nil {
		if err := s.Tree.Ready(); err != nil {
			p := newProblem(http.StatusServiceUnavailable, "not_ready", err.Error())
			p.retryAfter = 1
			return p
		}
	}
	// A store with a connection (EventStoreDB) that cannot reach its database cannot take a
	// command, so the instance is not ready, whatever the projections already hold.
	health, hasHealth := s.storeHealth()
	if hasHealth && !health.Connected {
		detail := "the event store is not connected to its database"
		if health.LastError != "" {
			detail += ": " + health.LastError
		}
		p := newProblem(http.StatusServiceUnavailable, "store_unreachable", detail)
		p.retryAfter = 1
		return p
	}
	body := map[string]any{"status": "ready"}
	if s.Projections != nil {
		body["applied_position"] = s.Projections.Applied()
	}
	if hasHealth {
		body["store"] = health
	}
	return c.JSON(http.StatusOK, body)
}

// storeHealth is the store's connection health, when it has a connection to report on.
func (s *server) storeHealth() (eventstore.Health, bool) {
	hr, ok := s.Store.(eventstore.HealthReporter)
	if !ok {
		return eventstore.Health{}, false
	}
	return hr.Health(), true
}

// securityHeaders are sent on every response: the API serves JSON only, so nothing may be framed,
// sniffed into another type, or cached by shared caches. Over TLS, browsers are told to use nothing
// else for two years (behind a proxy that ends TLS, the proxy must send HSTS).
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}
