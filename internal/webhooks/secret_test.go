package webhooks

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsSealAndOpen(t *testing.T) {
	k, err := NewKeyring(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	secret := NewSecret()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if !strings.HasPrefix(secret, "whsec_") || err != nil || len(raw) != 32 {
		t.Fatalf("secret %q: %d bytes, %v", secret, len(raw), err)
	}
	sealed, err := k.Seal(secret)
	if err != nil || bytes.Contains(sealed, []byte(secret)) || bytes.Contains(sealed, raw) {
		t.Fatalf("sealed: %v", err)
	}
	if again, _ := k.Seal(secret); bytes.Equal(again, sealed) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	if opened, err := k.Open(sealed); err != nil || opened != secret {
		t.Fatalf("opened %q, %v", opened, err)
	}
	other, _ := NewKeyring(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(sealed); err == nil {
		t.Error("another key opened the secret")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed); err == nil {
		t.Error("a changed sealed secret opened")
	}
	if _, err := NoKeyring("no key here").Seal(secret); err == nil || !strings.Contains(err.Error(), "no key here") {
		t.Errorf("no keyring: %v", err)
	}
}

func TestKeyFileIsMadeOnceAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aftermath.db.key")
	a := KeyringFromFile(path)
	sealed, err := a.Seal("whsec_x")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, info.Mode())
	}
	// A second server on the same file opens what the first sealed.
	if got, err := KeyringFromFile(path).Open(sealed); err != nil || got != "whsec_x" {
		t.Fatalf("reopened: %q, %v", got, err)
	}
	os.WriteFile(path, []byte("not a key\n"), 0o600)
	if _, err := KeyringFromFile(path).Seal("x"); err == nil {
		t.Error("a bad key file was accepted")
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	b := DefaultBackoff
	for attempts, want := range map[int][2]float64{1: {2.5, 5}, 2: {5, 10}, 3: {10, 20}, 12: {1800, 3600}, 40: {1800, 3600}} {
		for range 50 {
			d := b.Delay(attempts).Seconds()
			if d < want[0] || d > want[1] {
				t.Fatalf("Delay(%d) = %.1fs, want within %v", attempts, d, want)
			}
		}
	}
	seen := map[float64]bool{}
	for range 20 {
		seen[b.Delay(5).Seconds()] = true
	}
	if len(seen) < 5 {
		t.Errorf("the delays hardly vary: %v", seen)
	}
}
