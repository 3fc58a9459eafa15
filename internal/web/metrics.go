package web

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// StatsStore is what /metrics reads from storage on every scrape.
type StatsStore interface {
	// Engine names the database engine ("sqlite", "postgres").
	Engine() string
	// Pools gives each connection pool's statistics by name.
	Pools() map[string]sql.DBStats
	IncidentsByStatus(ctx context.Context) (map[incident.Status]int64, error)
}

// metrics holds one server's Prometheus registry. Each server has its own
// rather than using the global one, so tests can build many servers.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	rateLimited prometheus.Counter
}

// requestLabels bound cardinality: the route is gin's pattern, never the
// raw path, and an unknown method is "other".
var requestLabels = []string{"method", "route", "status_class"}

func newMetrics(st StatsStore, more ...prometheus.Collector) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status class.",
		}, requestLabels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aftermath_http_request_duration_seconds",
			Help: "Time to answer HTTP requests, by method, route pattern and status class.",
			// From a cached read (under a millisecond) to a full export.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, requestLabels),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aftermath_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftermath_http_rate_limited_total",
			Help: "API requests refused with 429 because their client was over its rate limit.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight, m.rateLimited,
		newStoreCollector(st),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registry.MustRegister(more...)
	return m
}

// observe counts and times every request, 404s included.
func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	m.inFlight.Inc()
	defer func() {
		m.inFlight.Dec()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		labels := prometheus.Labels{
			"method":       methodLabel(c.Request.Method),
			"route":        route,
			"status_class": strconv.Itoa(c.Writer.Status()/100) + "xx",
		}
		m.requests.With(labels).Inc()
		m.duration.With(labels).Observe(time.Since(start).Seconds())
	}()
	c.Next()
}

func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// handler serves the registry in the Prometheus text format. A collector
// that fails (the database does not answer) is logged and left out; the
// rest of the scrape is still served, pool figures above all.
func (m *metrics) handler(log *slog.Logger) gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.registry,
	}))
}
