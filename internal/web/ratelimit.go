package web

import (
	"fmt"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Rate limit defaults for `aftermath serve`: a person clicking and a script
// paging through a list stay well inside them; a runaway loop does not.
const (
	DefaultRateLimit = 20 // requests per second per client, sustained
	DefaultRateBurst = 40 // requests a client may make at once
)

const (
	// sweepEvery is how often idle clients are forgotten.
	sweepEvery = time.Minute
	// maxClients bounds the memory the limiter holds (about 200 bytes a
	// client). Past it, new clients share one bucket until a sweep frees
	// room: they are still limited, together.
	maxClients = 1 << 16
)

// rateLimiter keeps a token bucket per client, keyed by IP address (an
// IPv6 client by its /64, which one host usually holds whole).
type rateLimiter struct {
	limit   rate.Limit
	burst   int
	metrics *metrics
	now     func() time.Time // the clock; tests move it

	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	overflow  *rate.Limiter
	lastSweep time.Time
}

// newRateLimiter allows each client perSecond requests a second on
// average and burst at once, and reports to m. It returns nil, which lets
// every request through, when perSecond is 0 or less.
func newRateLimiter(perSecond float64, burst int, m *metrics) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	l := &rateLimiter{
		limit: rate.Limit(perSecond), burst: burst, metrics: m, now: time.Now,
		clients:  map[string]*rate.Limiter{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "aftermath_http_rate_limit_clients",
		Help: "Clients the rate limiter remembers; idle ones are forgotten every minute.",
	}, func() float64 { return float64(l.tracked()) }))
	return l
}

// middleware refuses a client over its limit with 429 in the error shape
// and a Retry-After header saying when one more request will be allowed.
func (l *rateLimiter) middleware(c *gin.Context) {
	if l == nil {
		c.Next()
		return
	}
	now := l.now()
	bucket := l.bucket(clientKey(c.ClientIP()), now)
	if bucket.AllowN(now, 1) {
		c.Next()
		return
	}
	wait := (1 - bucket.TokensAt(now)) / float64(l.limit)
	retry := max(1, int(math.Ceil(wait)))
	l.metrics.rateLimited.Inc()
	writeError(c, &incident.Error{Code: incident.ERATELIMIT, RetryAfter: retry,
		Message: fmt.Sprintf("Too many requests from this client; retry in %d s.", retry)})
}

// bucket finds or makes the client's bucket, forgetting idle clients now
// and then.
func (l *rateLimiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.clients[key]; ok {
		return b
	}
	// At the cap, sweep at most once a second: a flood of new addresses
	// must not buy a full sweep each.
	sinceSweep := now.Sub(l.lastSweep)
	if sinceSweep >= sweepEvery || (len(l.clients) >= maxClients && sinceSweep >= time.Second) {
		l.sweep(now)
	}
	if len(l.clients) >= maxClients {
		return l.overflow
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.clients[key] = b
	return b
}

// sweep forgets every client whose bucket has filled up again: a full
// bucket is exactly what a new client gets, so forgetting it loses nothing.
func (l *rateLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for key, b := range l.clients {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, key)
		}
	}
}

// tracked is how many clients the limiter holds; the metrics show it.
func (l *rateLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}
