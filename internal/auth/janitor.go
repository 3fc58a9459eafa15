package auth

import (
	"context"
	"log/slog"
	"time"
)

// How often the janitor works: token use is written every half minute, so
// last_used_at trails the truth by at most that; expired sessions and
// forgotten login failures are swept every ten minutes.
const (
	flushEvery = 30 * time.Second
	sweepEvery = 10 * time.Minute
)

// Janitor keeps the account tables tidy until ctx ends, then writes the
// token use still pending. `aftermath serve` runs it beside the server.
func (a *Accounts) Janitor(ctx context.Context, log *slog.Logger) {
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := a.FlushUsage(context.WithoutCancel(ctx)); err != nil {
				log.Warn("writing token use", "error", err.Error())
			}
			return
		case <-flush.C:
			if err := a.FlushUsage(ctx); err != nil {
				log.Warn("writing token use", "error", err.Error())
			}
		case <-sweep.C:
			if _, err := a.store.DeleteExpiredSessions(ctx); err != nil {
				log.Warn("deleting expired sessions", "error", err.Error())
			}
			if err := a.store.ForgetLoginFailures(ctx, a.limit.Forget); err != nil {
				log.Warn("forgetting old login failures", "error", err.Error())
			}
		}
	}
}
