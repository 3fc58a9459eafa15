package webhooks

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Metrics are the worker's Prometheus metrics; the server's /metrics
// registers Collectors.
type Metrics struct {
	attempts *prometheus.CounterVec
	duration prometheus.Histogram
	givenUp  prometheus.Counter
	pending  prometheus.GaugeFunc
}

// NewMetrics makes the metrics; pending deliveries are counted in st at
// each scrape.
func NewMetrics(st Store) *Metrics {
	return &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftermath_webhook_attempts_total",
			Help: "Delivery attempts to webhooks, by webhook id and outcome (delivered, failed, gone).",
		}, []string{"webhook", "outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aftermath_webhook_attempt_duration_seconds",
			Help:    "Time from sending a delivery to its receiver's answer.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aftermath_webhook_deliveries_given_up_total",
			Help: "Deliveries given up after 24 hours of failed attempts.",
		}),
		pending: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aftermath_webhook_deliveries_pending",
			Help: "Deliveries waiting to be made or retried, on every instance (read from the database at scrape time).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := st.PendingDeliveries(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}),
	}
}

// Collectors are what /metrics registers.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.attempts, m.duration, m.givenUp, m.pending}
}

func (m *Metrics) observe(webhookID int64, o incident.DeliveryOutcome, took time.Duration) {
	outcome := "failed"
	switch {
	case o.Delivered:
		outcome = "delivered"
	case o.Gone:
		outcome = "gone"
	}
	m.attempts.WithLabelValues(webhookLabel(webhookID), outcome).Inc()
	m.duration.Observe(took.Seconds())
}
