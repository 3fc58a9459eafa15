package examples_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// ruleFile is the Prometheus rule file format, as far as these rules use it.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestPrometheusAlerts checks what promtool would, short of PromQL itself:
// the file parses with no unknown keys, every rule is complete, and every
// aftermath_* metric an expression names is one the server exports.
func TestPrometheusAlerts(t *testing.T) {
	f, err := os.Open("prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rules ruleFile
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatal(err)
	}
	exported := exportedMetrics(t)
	metricName := regexp.MustCompile(`\baftermath_[a-z_]+`)
	seen := map[string]bool{}
	var trend bool
	for _, g := range rules.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q is empty or unnamed", g.Name)
		}
		for _, r := range g.Rules {
			if r.Alert == "" || seen[r.Alert] {
				t.Errorf("alert %q: missing or repeated name", r.Alert)
			}
			seen[r.Alert] = true
			if strings.TrimSpace(r.Expr) == "" || strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") ||
				strings.Count(r.Expr, "[") != strings.Count(r.Expr, "]") {
				t.Errorf("%s: empty or unbalanced expr", r.Alert)
			}
			if d, err := time.ParseDuration(r.For); err != nil || d <= 0 || d > 15*time.Minute {
				t.Errorf("%s: for %q is not a duration up to 15m", r.Alert, r.For)
			}
			if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
				t.Errorf("%s: severity label %q", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: needs a summary and a description", r.Alert)
			}
			for _, name := range metricName.FindAllString(r.Expr, -1) {
				base := name
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					base = strings.TrimSuffix(base, suffix)
				}
				if !exported[name] && !exported[base] {
					t.Errorf("%s: %s is not a metric the server exports", r.Alert, name)
				}
			}
			if strings.Contains(r.Expr, "predict_linear") && strings.Contains(r.Expr, "aftermath_db_pool_in_use_connections") {
				trend = true
			}
		}
	}
	if !trend {
		t.Error("no rule alerts on how fast the pool fills (predict_linear over the in-use ratio)")
	}
}

// exportedMetrics lists the metric families a live server exports once it
// has answered a request.
func exportedMetrics(t *testing.T) map[string]bool {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accounts := auth.New(auth.Config{Store: st})
	srv := web.New(web.Config{Store: st, Accounts: accounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: 1, RateBurst: 1})
	_, token := storetest.Token(t, st, accounts, "prometheus", incident.RoleViewer)
	for range 2 { // the second is refused, so the limiter's counter has a sample
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/incidents", nil))
	}
	w := httptest.NewRecorder()
	scrape := httptest.NewRequest("GET", "/metrics", nil)
	scrape.Header.Set("Authorization", "Bearer "+token)
	srv.ServeHTTP(w, scrape)
	if w.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", w.Code)
	}
	names := map[string]bool{}
	for line := range strings.SplitSeq(w.Body.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names[strings.Fields(name)[0]] = true
		}
	}
	return names
}
