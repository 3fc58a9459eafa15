package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Store is what the worker needs from storage; *store.Store has it.
type Store interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]incident.DeliveryJob, error)
	RecordDeliveries(ctx context.Context, outcomes []incident.DeliveryOutcome) error
	PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error)
	PendingDeliveries(ctx context.Context) (int64, error)
	// OnOutbox is told to call fn after every write that queues
	// deliveries.
	OnOutbox(fn func())
}

// WorkerConfig tunes a Worker. Zero fields take the defaults.
type WorkerConfig struct {
	Store   Store
	Keyring *Keyring
	Targets Targets
	Logger  *slog.Logger
	// Timeout bounds one attempt, from connecting to the last byte of the
	// answer's headers: 10 s by default.
	Timeout time.Duration
	// Concurrency is how many attempts run at once: 8 by default.
	Concurrency int
	// Poll is how often the worker looks for due deliveries when no write
	// has woken it (retries, other instances' events): 1 s by default.
	Poll    time.Duration
	Backoff Backoff
	// Retention is how long the delivery log keeps finished deliveries:
	// 30 days by default.
	Retention time.Duration
	// Now is the clock; it must be the store's.
	Now     func() time.Time
	Metrics *Metrics
}

// Worker delivers the outbox's events.
type Worker struct {
	cfg    WorkerConfig
	client *http.Client
	wake   chan struct{}
}

// leaseMargin is how much longer than an attempt's timeout a claim's lease
// lasts: the lease must outlive every attempt, or a second worker could
// start the same delivery while the first still waits for its answer.
const leaseMargin = 30 * time.Second

// NewWorker builds a worker; Run starts it.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(cfg.Store)
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would connect where the dialer cannot check
		DialContext:           cfg.Targets.Dialer(cfg.Timeout).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	w := &Worker{cfg: cfg, wake: make(chan struct{}, 1), client: &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		// A receiver answers where it was registered; a redirect could
		// lead anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	cfg.Store.OnOutbox(w.Wake)
	return w
}

// Wake makes the worker look for deliveries now. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the attempts in flight
// (each bounded by the timeout) and records them.
func (w *Worker) Run(ctx context.Context) {
	results := make(chan incident.DeliveryOutcome, w.cfg.Concurrency)
	inFlight := 0
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	w.pruneOld(ctx)
	for {
		if ctx.Err() == nil && inFlight < w.cfg.Concurrency {
			inFlight += w.start(ctx, w.cfg.Concurrency-inFlight, results)
		}
		if ctx.Err() != nil && inFlight == 0 {
			return
		}
		select {
		case o := <-results:
			outcomes := []incident.DeliveryOutcome{o}
		drain:
			for {
				select {
				case o := <-results:
					outcomes = append(outcomes, o)
				default:
					break drain
				}
			}
			inFlight -= len(outcomes)
			w.record(outcomes)
		case <-w.wake:
		case <-tick.C:
		case <-prune.C:
			w.pruneOld(ctx)
		case <-ctx.Done():
		}
	}
}

// start claims up to n deliveries and starts an attempt for each; it
// returns how many it started.
func (w *Worker) start(ctx context.Context, n int, results chan<- incident.DeliveryOutcome) int {
	jobs, err := w.cfg.Store.ClaimDeliveries(ctx, n, w.cfg.Timeout+leaseMargin)
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Logger.Error("webhooks: claiming deliveries", "error", err.Error())
		}
		return 0
	}
	for _, job := range jobs {
		go func() { results <- w.attempt(job) }()
	}
	return len(jobs)
}

// record writes outcomes, with a context of its own: what was attempted
// during a shutdown is recorded too.
func (w *Worker) record(outcomes []incident.DeliveryOutcome) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.cfg.Store.RecordDeliveries(ctx, outcomes); err != nil {
		// The leases run out and the deliveries are tried again: at
		// least once, never lost.
		w.cfg.Logger.Error("webhooks: recording deliveries", "error", err.Error(), "deliveries", len(outcomes))
	}
}

func (w *Worker) pruneOld(ctx context.Context) {
	removed, err := w.cfg.Store.PruneDeliveries(ctx, w.cfg.Now().Add(-w.cfg.Retention))
	if err != nil && ctx.Err() == nil {
		w.cfg.Logger.Error("webhooks: pruning the delivery log", "error", err.Error())
	} else if removed > 0 {
		w.cfg.Logger.Info("webhooks: pruned the delivery log", "removed", removed)
	}
}

// maxErrorBody is how much of a failed answer's body the log keeps.
const maxErrorBody = 200

// attempt makes one attempt at a delivery and says what came of it.
func (w *Worker) attempt(job incident.DeliveryJob) incident.DeliveryOutcome {
	start := w.cfg.Now()
	o := incident.DeliveryOutcome{ID: job.ID, WebhookID: job.WebhookID, At: start}
	status, err := w.send(job, start)
	o.Status = status
	switch {
	case err == nil && status >= 200 && status < 300:
		o.Delivered = true
	case status == http.StatusGone:
		o.Gone = true
		o.Error = "410 Gone: the receiver asked for no more deliveries; the webhook is disabled"
	case err != nil:
		o.Error = err.Error()
	}
	w.cfg.Metrics.observe(job.WebhookID, o, time.Since(start))
	if o.Delivered || o.Gone {
		return o
	}
	o.NextAttempt = w.cfg.Now().Add(w.cfg.Backoff.Delay(job.Attempts))
	if o.NextAttempt.After(job.ExpiresAt) {
		o.GiveUp = true
		o.Error += " (given up: not delivered within 24 hours)"
		w.cfg.Metrics.givenUp.Inc()
	}
	return o
}

// send posts the delivery and returns the answer's status. A non-2xx
// answer is an error that says what the receiver answered.
func (w *Worker) send(job incident.DeliveryJob, at time.Time) (int, error) {
	secrets := make([]string, 0, 2)
	for _, sealed := range [][]byte{job.Secret, job.PreviousSecret} {
		if len(sealed) == 0 {
			continue
		}
		secret, err := w.cfg.Keyring.Open(sealed)
		if err != nil {
			return 0, err
		}
		secrets = append(secrets, secret)
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(job.Payload))
	if err != nil {
		return 0, fmt.Errorf("the webhook's URL cannot be used: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Aftermath-Webhooks/1")
	if err := Sign(req.Header, job.EventID, at, job.Payload, secrets...); err != nil {
		return 0, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, describeSendError(err, w.cfg.Timeout)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // read, so the connection can be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := resp.Status
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed: register the address it redirects to)"
	}
	if text := incident.CleanName(string(body), maxErrorBody); text != "" {
		msg += ": " + text
	}
	return resp.StatusCode, errors.New(msg)
}

// describeSendError says why no answer came, plainly.
func describeSendError(err error, timeout time.Duration) error {
	var refused errRefusedAddress
	var netErr net.Error
	switch {
	case errors.As(err, &refused):
		return refused
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("no answer within %s", timeout)
	}
	var urlErr interface{ Unwrap() error }
	if errors.As(err, &urlErr) {
		if inner := urlErr.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// webhookLabel is a webhook's id as a metric label.
func webhookLabel(id int64) string { return strconv.FormatInt(id, 10) }
