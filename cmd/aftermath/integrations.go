package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/webhooks"
)

// integrationFlags are serve's flags for Alertmanager, webhooks and feeds.
func integrationFlags(f *pflag.FlagSet) {
	def := alertmanager.DefaultMapping()
	f.Bool("webhook-allow-private", false, "let webhooks reach loopback and private addresses (refused by default, at registration and at every connection)")
	f.Duration("webhook-timeout", 10*time.Second, "time one webhook delivery attempt may take")
	f.String("secret-key", "", "the key (32 bytes, base64) that seals webhook signing secrets in the database; the same on every instance (better in AFTERMATH_SECRET_KEY)")
	f.String("secret-key-file", "", "a file holding the secret key, made if missing (default: the SQLite database's path with .key)")
	f.Bool("public-feeds", false, "serve the Atom feeds and /api/v1/status without credentials, with titles and status only")
	f.String("public-url", "", "where people reach this server (https://aftermath.example.com), for links in feeds and incidents (default: the request's host)")
	f.StringSlice("alertmanager-service-labels", def.ServiceLabels, "alert labels naming an alert group's service, tried in order")
	f.String("alertmanager-default-service", def.DefaultService, "the service of an alert group that has none of those labels")
	f.String("alertmanager-severity-label", def.SeverityLabel, "the alert label holding its severity")
	f.StringSlice("alertmanager-severities", []string{"critical=SEV1", "error=SEV2", "warning=SEV3"}, "WORD=SEVn pairs mapping severity labels to severities")
	f.String("alertmanager-default-severity", string(def.DefaultSeverity), "the severity of an alert whose severity label is missing or maps to none")
}

// integrations is what serve runs beside the HTTP server: the webhook
// delivery worker and the daily reminders, and what the server needs to
// register webhooks and read alerts.
type integrations struct {
	manager     *webhooks.Manager
	worker      *webhooks.Worker
	reminders   *webhooks.Reminders
	metrics     *webhooks.Metrics
	mapping     alertmanager.Mapping
	publicFeeds bool
	publicURL   string
}

func newIntegrations(cmd *cobra.Command, log *slog.Logger, st *store.Store) (*integrations, error) {
	f := cmd.Flags()
	mapping, err := alertMapping(f)
	if err != nil {
		return nil, err
	}
	keyring, err := secretKeyring(f, st)
	if err != nil {
		return nil, err
	}
	allowPrivate, _ := f.GetBool("webhook-allow-private")
	timeout, _ := f.GetDuration("webhook-timeout")
	if timeout <= 0 {
		return nil, errors.New("--webhook-timeout must be a positive duration")
	}
	publicURL, _ := f.GetString("public-url")
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("--public-url: %q is not scheme://host[:port]", publicURL)
		}
	}
	targets := webhooks.Targets{AllowPrivate: allowPrivate}
	metrics := webhooks.NewMetrics(st)
	in := &integrations{
		manager: &webhooks.Manager{Store: st, Keyring: keyring, Targets: targets, Now: st.Now},
		worker: webhooks.NewWorker(webhooks.WorkerConfig{Store: st, Keyring: keyring, Targets: targets, Logger: log,
			Timeout: timeout, Now: st.Now, Metrics: metrics}),
		reminders: &webhooks.Reminders{Store: st, Logger: log, Now: st.Now},
		metrics:   metrics,
		mapping:   mapping,
		publicURL: strings.TrimSuffix(publicURL, "/"),
	}
	in.publicFeeds, _ = f.GetBool("public-feeds")
	return in, nil
}

// start runs the worker and the reminders until the returned stop is
// called; stop waits for them (the worker records its attempts in flight).
func (in *integrations) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { in.worker.Run(ctx) })
	wg.Go(func() { in.reminders.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}

// secretKeyring is the keyring of --secret-key, else of the key file:
// --secret-key-file, or beside a SQLite database.
func secretKeyring(f *pflag.FlagSet, st *store.Store) (*webhooks.Keyring, error) {
	if raw, _ := f.GetString("secret-key"); raw != "" {
		key, err := webhooks.ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("--secret-key: %w", err)
		}
		return webhooks.NewKeyring(key)
	}
	path, _ := f.GetString("secret-key-file")
	if path == "" && st.Path() != "" {
		path = st.Path() + ".key"
	}
	if path == "" {
		return webhooks.NoKeyring("set --secret-key (AFTERMATH_SECRET_KEY), the same on every instance of the database"), nil
	}
	return webhooks.KeyringFromFile(path), nil
}

// alertMapping reads the --alertmanager-* flags.
func alertMapping(f *pflag.FlagSet) (alertmanager.Mapping, error) {
	var m alertmanager.Mapping
	m.ServiceLabels, _ = f.GetStringSlice("alertmanager-service-labels")
	m.DefaultService, _ = f.GetString("alertmanager-default-service")
	m.SeverityLabel, _ = f.GetString("alertmanager-severity-label")
	pairs, _ := f.GetStringSlice("alertmanager-severities")
	sev, _ := f.GetString("alertmanager-default-severity")
	m.DefaultSeverity = incident.Severity(strings.ToUpper(sev))
	var err error
	if m.Severities, err = alertmanager.ParseSeverities(pairs); err != nil {
		return m, fmt.Errorf("--alertmanager-severities: %w", err)
	}
	m.DefaultService = incident.CleanName(m.DefaultService, incident.MaxShortText)
	switch {
	case len(m.ServiceLabels) == 0 || slices.Contains(m.ServiceLabels, ""):
		return m, errors.New("--alertmanager-service-labels must name at least one label")
	case m.DefaultService == "":
		return m, errors.New("--alertmanager-default-service must not be empty")
	case strings.TrimSpace(m.SeverityLabel) == "":
		return m, errors.New("--alertmanager-severity-label must not be empty")
	case !slices.Contains(incident.Severities, m.DefaultSeverity):
		return m, fmt.Errorf("--alertmanager-default-severity must be SEV1 to SEV4, not %q", sev)
	}
	return m, nil
}
