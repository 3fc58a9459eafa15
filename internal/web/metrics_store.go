package web

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds the one query a scrape runs, so a stuck database
// cannot hold scrapes (and their connections) open.
const scrapeTimeout = 2 * time.Second

// storeCollector reads the database pools' statistics and the incident
// counts when Prometheus scrapes, so the figures are never stale and
// nothing runs between scrapes.
type storeCollector struct {
	store StatsStore

	engine                                             *prometheus.Desc
	maxOpen, open, inUse, idle, waitCount, waitSeconds *prometheus.Desc
	incidents                                          *prometheus.Desc
}

func newStoreCollector(st StatsStore) *storeCollector {
	pool := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("aftermath_db_pool_"+name, help, []string{"pool"}, nil)
	}
	return &storeCollector{
		store: st,
		engine: prometheus.NewDesc("aftermath_db_info",
			"The database engine the store runs on (always 1).", []string{"engine"}, nil),
		maxOpen:     pool("max_open_connections", "Most connections the pool may open."),
		open:        pool("open_connections", "Connections open, in use or idle."),
		inUse:       pool("in_use_connections", "Connections in use now."),
		idle:        pool("idle_connections", "Connections open and idle."),
		waitCount:   pool("wait_count_total", "Times a query waited for a connection because the pool was full."),
		waitSeconds: pool("wait_duration_seconds_total", "Total time queries waited for a connection."),
		incidents: prometheus.NewDesc("aftermath_incidents",
			"Incidents stored, by lifecycle status.", []string{"status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.engine, c.maxOpen, c.open, c.inUse, c.idle, c.waitCount, c.waitSeconds, c.incidents} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.engine, prometheus.GaugeValue, 1, c.store.Engine())
	for name, stats := range c.store.Pools() {
		c.collectPool(ch, name, stats)
	}

	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counts, err := c.store.IncidentsByStatus(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.incidents, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.incidents, prometheus.GaugeValue, float64(n), string(status))
	}
}

func (c *storeCollector) collectPool(ch chan<- prometheus.Metric, pool string, s sql.DBStats) {
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, pool)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, pool)
	}
	gauge(c.maxOpen, float64(s.MaxOpenConnections))
	gauge(c.open, float64(s.OpenConnections))
	gauge(c.inUse, float64(s.InUse))
	gauge(c.idle, float64(s.Idle))
	counter(c.waitCount, float64(s.WaitCount))
	counter(c.waitSeconds, s.WaitDuration.Seconds())
}
