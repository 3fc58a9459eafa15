package auth

import (
	"sync"
	"time"
)

// maxCached bounds each cache; past it, expired entries go first, then
// whichever the map yields.
const maxCached = 10_000

// staleGrace is how long past its TTL an entry is kept for when the
// database does not answer: /metrics must keep answering Prometheus while
// the database is down, which is when its figures matter most.
const staleGrace = 10 * time.Minute

// ttlCache remembers values for a short time. It spares the database a
// read per request while keeping a change made elsewhere (a token revoked
// on another instance) from living longer than the TTL.
type ttlCache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]cached[V]
}

type cached[V any] struct {
	value V
	until time.Time
}

func newTTLCache[K comparable, V any]() *ttlCache[K, V] {
	return &ttlCache[K, V]{entries: map[K]cached[V]{}}
}

func (c *ttlCache[K, V]) get(key K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// stale returns an entry up to staleGrace past its TTL.
func (c *ttlCache[K, V]) stale(key K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until.Add(staleGrace)) {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (c *ttlCache[K, V]) put(key K, value V, until time.Time, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		for k, e := range c.entries {
			if !now.Before(e.until.Add(staleGrace)) || len(c.entries) >= maxCached {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = cached[V]{value: value, until: until}
}

func (c *ttlCache[K, V]) remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// removeIf drops every entry whose value matches.
func (c *ttlCache[K, V]) removeIf(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if match(e.value) {
			delete(c.entries, k)
		}
	}
}
