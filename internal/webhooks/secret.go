package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// secretPrefix starts every signing secret, so that secret scanners know
// one when they see it.
const secretPrefix = "whsec_"

// NewSecret makes a signing secret: "whsec_" and the base64 of 32 random
// bytes (the specification asks for at least 24).
func NewSecret() string {
	key := make([]byte, 32)
	rand.Read(key)
	return secretPrefix + base64.StdEncoding.EncodeToString(key)
}

// Signing secrets are stored sealed, not hashed: a hash is enough to check
// a token someone shows, but signing needs the key itself, so it must be
// read back. Each is sealed with AES-256-GCM under the server's secret
// key, which lives outside the database (--secret-key, or a key file
// beside a SQLite database), so that a copy of the database (a backup, an
// export, a stolen disk image of the database alone) gives no secret away.

// sealPurpose is bound into every sealed secret as associated data, so
// that a sealed value cannot be passed off as anything else sealed under
// the same key.
var sealPurpose = []byte("aftermath webhook signing secret v1")

// Keyring seals and opens signing secrets. Its key is read on first use,
// so that a server with no webhooks never needs one.
type Keyring struct {
	load func() ([]byte, error)
	once sync.Once
	aead cipher.AEAD
	err  error
}

// KeySize is the length of the secret key: AES-256.
const KeySize = 32

// NewKeyring seals with key, which must be KeySize bytes.
func NewKeyring(key []byte) (*Keyring, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the secret key must be %d bytes, not %d", KeySize, len(key))
	}
	return &Keyring{load: func() ([]byte, error) { return key, nil }}, nil
}

// KeyringFromFile seals with the key in the file at path, which it makes
// (readable by its owner only) on first use if there is none.
func KeyringFromFile(path string) *Keyring {
	return &Keyring{load: func() ([]byte, error) { return loadOrCreateKey(path) }}
}

// NoKeyring is a keyring without a key: every use fails with why.
func NoKeyring(why string) *Keyring {
	return &Keyring{load: func() ([]byte, error) { return nil, errors.New(why) }}
}

// ParseKey reads a secret key written as base64 (standard or URL-safe,
// padded or not).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("the secret key must be %d bytes in base64 (make one with: head -c %d /dev/urandom | base64)", KeySize, KeySize)
}

func loadOrCreateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, KeySize)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return loadOrCreateKey(path) // another process made it first
		} else if err != nil {
			return nil, fmt.Errorf("the secret key file: %w", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("the secret key file: %w", err)
		}
		return key, nil
	} else if err != nil {
		return nil, fmt.Errorf("the secret key file: %w", err)
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("the secret key file %s: %w", path, err)
	}
	return key, nil
}

func (k *Keyring) cipher() (cipher.AEAD, error) {
	k.once.Do(func() {
		key, err := k.load()
		if err != nil {
			k.err = err
			return
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			k.err = err
			return
		}
		k.aead, k.err = cipher.NewGCM(block)
	})
	return k.aead, k.err
}

// Seal encrypts a signing secret for storage: a random nonce, then the
// ciphertext and its tag.
func (k *Keyring) Seal(secret string) ([]byte, error) {
	aead, err := k.cipher()
	if err != nil {
		return nil, unavailable(err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, []byte(secret), sealPurpose), nil
}

// Open decrypts what Seal sealed. It fails if the value was sealed under
// another key, or changed.
func (k *Keyring) Open(sealed []byte) (string, error) {
	aead, err := k.cipher()
	if err != nil {
		return "", unavailable(err)
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("the sealed signing secret is too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], sealPurpose)
	if err != nil {
		return "", errors.New("the signing secret does not open with this server's secret key (was the key changed?)")
	}
	return string(plain), nil
}

// unavailable says why no secret can be sealed, to an admin making a
// webhook: a configuration matter, not a fault in the request.
func unavailable(err error) error {
	return incident.Errorf(incident.EINVALID, "Webhooks need the server's secret key, which is not available: %v.", err)
}
