package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"assurance-ledger/eventstore"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	routes   *routeTable
}

func newMetrics(reg *prometheus.Registry, routes *routeTable) *metrics {
	m := &metrics{
		routes: routes,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ledger_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ledger_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	// Registering the process and runtime collectors twice (two servers on one registry in tests)
	// is harmless to skip.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// registerStoreHealth exports a networked store's connection health, read at scrape time.
func registerStoreHealth(reg *prometheus.Registry, store eventstore.Store) {
	hr, ok := store.(eventstore.HealthReporter)
	if !ok {
		return
	}
	_ = reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ledger_store_connected", Help: "1 when the last request reached the event store's database, else 0.",
	}, func() float64 {
		if hr.Health().Connected {
			return 1
		}
		return 0
	}))
	_ = reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ledger_store_reconnects_total", Help: "Recoveries after the event store's connection failed.",
	}, func() float64 { return float64(hr.Health().Reconnects) }))
}

// middleware labels by route template, not path, and by a method of HTTP's or "other": every
// label comes from a closed set, so no request can add series without bound (routes.go).
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := statusOf(c, err)
		route, method := m.routes.routeLabel(c), methodLabel(c.Request().Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return err
	}
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
