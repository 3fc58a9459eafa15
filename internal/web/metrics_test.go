package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics and parses it as Prometheus does.
func (a *api) scrape() (map[string]*dto.MetricFamily, string) {
	a.t.Helper()
	status, body := a.do("GET", "/metrics", nil)
	if status != http.StatusOK {
		a.t.Fatalf("/metrics: status %d: %s", status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		a.t.Fatalf("/metrics does not parse: %v", err)
	}
	return families, string(body)
}

// metricValue finds the sample of family name whose labels include want.
// Counters, gauges and histograms (their count) are read alike.
func metricValue(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	family, ok := families[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range family.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	a := newAPI(t)
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	a.do("GET", "/api/v1/incidents/1", nil)
	a.do("GET", "/api/v1/incidents/424242", nil)
	a.do("GET", "/no/such/secret-page", nil)
	a.do("BREW", "/api/v1/incidents", nil)
	families, text := a.scrape()

	// SQLite has one writer; PostgreSQL a pool of them per instance.
	writers := 1.0
	if a.store.Engine() == "postgres" {
		writers = 4
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"aftermath_http_requests_total", map[string]string{"method": "POST", "route": "/api/v1/incidents", "status_class": "2xx"}, 1},
		{"aftermath_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/incidents/:id", "status_class": "2xx"}, 1},
		{"aftermath_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/incidents/:id", "status_class": "4xx"}, 1},
		{"aftermath_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status_class": "4xx"}, 1},
		{"aftermath_http_requests_total", map[string]string{"method": "other", "route": "unmatched", "status_class": "4xx"}, 1},
		{"aftermath_http_request_duration_seconds", map[string]string{"method": "POST", "route": "/api/v1/incidents"}, 1},
		{"aftermath_http_requests_in_flight", nil, 1}, // this scrape
		{"aftermath_db_pool_max_open_connections", map[string]string{"pool": "writer"}, writers},
		{"aftermath_db_info", map[string]string{"engine": a.store.Engine()}, 1},
		{"aftermath_db_pool_open_connections", map[string]string{"pool": "writer"}, 1},
		{"aftermath_db_pool_in_use_connections", map[string]string{"pool": "writer"}, 0},
		{"aftermath_db_pool_wait_count_total", map[string]string{"pool": "writer"}, 0},
		{"aftermath_incidents", map[string]string{"status": "resolved"}, 1},
		{"aftermath_incidents", map[string]string{"status": "investigating"}, 0},
	}
	for _, tt := range tests {
		if got, ok := metricValue(families, tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	for _, name := range []string{"aftermath_db_pool_idle_connections", "aftermath_db_pool_wait_duration_seconds_total", "go_goroutines", "process_open_fds"} {
		if _, ok := families[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	if readers, _ := metricValue(families, "aftermath_db_pool_max_open_connections", map[string]string{"pool": "reader"}); readers < 1 {
		t.Errorf("reader pool max_open %v", readers)
	}
	// Raw paths and methods would make the label sets unbounded.
	for _, leak := range []string{"secret-page", "424242", "BREW"} {
		if strings.Contains(text, leak) {
			t.Errorf("the metrics hold %q from a request", leak)
		}
	}
}

// TestMetricsPerServer: each server counts its own requests, so a process
// (or a test binary) can hold several.
func TestMetricsPerServer(t *testing.T) {
	a, b := newAPI(t), newAPI(t)
	a.do("GET", "/healthz", nil)
	a.do("GET", "/healthz", nil)
	b.do("GET", "/healthz", nil)
	route := map[string]string{"route": "/healthz"}
	fa, _ := a.scrape()
	fb, _ := b.scrape()
	if got, _ := metricValue(fa, "aftermath_http_requests_total", route); got != 2 {
		t.Errorf("server a counted %v", got)
	}
	if got, _ := metricValue(fb, "aftermath_http_requests_total", route); got != 1 {
		t.Errorf("server b counted %v", got)
	}
}

// TestMetricsWithoutDatabase: when the database is gone, /metrics still
// answers with the pool figures, which is when they matter most.
func TestMetricsWithoutDatabase(t *testing.T) {
	a := newAPI(t)
	a.scrape() // Prometheus's token is known from its last scrape
	a.store.Close()
	families, _ := a.scrape()
	if open, ok := metricValue(families, "aftermath_db_pool_open_connections", map[string]string{"pool": "writer"}); !ok || open != 0 {
		t.Errorf("writer open connections %v (present %v)", open, ok)
	}
	if _, ok := families["aftermath_incidents"]; ok {
		t.Error("incident counts reported without a database")
	}
}
