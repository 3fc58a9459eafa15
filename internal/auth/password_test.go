package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "correct horse batterY") || CheckPassword(h, "") {
		t.Fatal("CheckPassword is wrong")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2i$v=19$m=19456,t=2,p=1$x$y",
		strings.Replace(h, "t=2", "t=99", 1)} {
		if CheckPassword(bad, "correct horse battery") {
			t.Errorf("a malformed hash %q matched", bad)
		}
	}
	for _, pw := range []string{"short", strings.Repeat("x", 11), strings.Repeat("x", MaxPasswordBytes+1)} {
		if _, err := HashPassword(pw); err == nil {
			t.Errorf("a password of %d bytes was accepted", len(pw))
		}
	}
	if _, err := HashPassword("ünïcödé pässwörd"); err != nil { // 16 characters, more bytes
		t.Errorf("unicode password: %v", err)
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, secret := newToken()
		if !wellFormedToken(secret) || len(id) != 12 || seen[secret] || seen[id] {
			t.Fatalf("token %q id %q", secret, id)
		}
		seen[secret], seen[id] = true, true
	}
	for _, bad := range []string{"", "aft_", "aft_" + strings.Repeat("a", 42), "aft_" + strings.Repeat("a", 44),
		"xyz_" + strings.Repeat("a", 43), "aft_" + strings.Repeat("+", 43), "aft_" + strings.Repeat("a", 42) + "="} {
		if wellFormedToken(bad) {
			t.Errorf("%q is well formed", bad)
		}
	}
}

func TestParseLifetime(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseLifetime("x", in); err != nil || got != want {
			t.Errorf("ParseLifetime(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"soon", "-1h", "1.5d", "d", "99999d", "+3d", "03d"} {
		if _, err := ParseLifetime("x", bad); err == nil {
			t.Errorf("ParseLifetime(%q) accepted", bad)
		}
	}
}

func TestCacheBoundsAndExpiry(t *testing.T) {
	c := newTTLCache[int, int]()
	now := time.Now()
	for i := range maxCached + 100 {
		c.put(i, i, now.Add(time.Second), now)
	}
	if len(c.entries) > maxCached {
		t.Fatalf("%d entries", len(c.entries))
	}
	c.put(-1, 7, now.Add(time.Second), now)
	if v, ok := c.get(-1, now); !ok || v != 7 {
		t.Fatal("fresh entry missing")
	}
	if _, ok := c.get(-1, now.Add(time.Second)); ok {
		t.Fatal("an entry outlived its TTL")
	}
	if _, ok := c.stale(-1, now.Add(time.Minute)); !ok {
		t.Fatal("no stale entry within the grace")
	}
	if _, ok := c.stale(-1, now.Add(staleGrace+time.Second)); ok {
		t.Fatal("a stale entry outlived the grace")
	}
}
