package webhooks

import (
	"math/rand/v2"
	"time"
)

// Backoff says when a failed delivery is tried again: after attempt n
// (from 1), First × 2^(n−1), at most Max, with "equal jitter": a random
// point in the second half of that, so that receivers coming back from an
// outage are not hit by every server's retries at the same instant.
type Backoff struct {
	First, Max time.Duration
}

// DefaultBackoff retries within seconds at first (2.5–5 s), then ever
// more slowly, at most hourly: about 30 attempts in the 24 hours.
var DefaultBackoff = Backoff{First: 5 * time.Second, Max: time.Hour}

// Delay is the wait after the attempts-th failed attempt.
func (b Backoff) Delay(attempts int) time.Duration {
	d := b.First
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + rand.N(half+1)
}
