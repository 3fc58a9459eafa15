// Command record writes the Alertmanager notifications the tests read
// (../notification-*.json), by having Alertmanager's own webhook notifier
// send them to a local receiver. It is a module of its own, so that
// Aftermath does not depend on Alertmanager's tree of packages; run it
// with `go run .` in this folder after changing the alerts below.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
	commoncfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"
)

func main() {
	var body []byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
	}))
	defer receiver.Close()

	var conf webhook.WebhookConfig
	if err := yaml.Unmarshal([]byte("url: "+receiver.URL+"/api/v1/integrations/alertmanager\n"), &conf); err != nil {
		log.Fatal(err)
	}
	httpConfig := commoncfg.DefaultHTTPClientConfig
	conf.HTTPConfig = &httpConfig // what Alertmanager's configuration loader fills in
	tmpl, err := template.FromGlobs(nil)
	if err != nil {
		log.Fatal(err)
	}
	tmpl.ExternalURL, _ = url.Parse("https://alertmanager.example.com")
	notifier, err := webhook.New(&conf, tmpl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		log.Fatal(err)
	}

	start := time.Date(2026, 3, 14, 15, 2, 7, 123456789, time.UTC)
	pool := func(instance string, resolved bool) *alert.Alert {
		a := model.Alert{
			Labels: model.LabelSet{"alertname": "PaymentsDBPoolSaturated", "service": "payments-api",
				"severity": "critical", "instance": model.LabelValue(instance)},
			Annotations: model.LabelSet{"summary": model.LabelValue("Connection pool of " + instance + " above 95%"),
				"description": "The payments database connection pool is nearly exhausted; checkouts queue."},
			StartsAt:     start,
			GeneratorURL: "https://prometheus.example.com/graph?g0.expr=pool_in_use%2Fpool_max+%3E+0.95",
		}
		// A firing alert has no end yet: Alertmanager sends the zero
		// time, and tells by its clock whether an alert has resolved.
		if resolved {
			a.EndsAt = start.Add(17 * time.Minute)
		}
		return alert.New(a, start, false)
	}

	send := func(file string, now time.Time, alerts ...*alert.Alert) {
		ctx := notify.WithGroupKey(context.Background(), `{}/{severity="critical"}:{alertname="PaymentsDBPoolSaturated"}`)
		ctx = notify.WithReceiverName(ctx, "aftermath")
		ctx = notify.WithGroupLabels(ctx, model.LabelSet{"alertname": "PaymentsDBPoolSaturated"})
		ctx = notify.WithNow(ctx, now)
		body = nil
		if v := notifier.Notify(ctx, alerts...); v.Err() != nil {
			log.Fatal(v.Err())
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", file)
	}
	send("../notification-firing.json", start.Add(time.Minute), pool("db-1:9187", false), pool("db-2:9187", false))
	send("../notification-resolved.json", start.Add(20*time.Minute), pool("db-1:9187", true), pool("db-2:9187", true))
}
