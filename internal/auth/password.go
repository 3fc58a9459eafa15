package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Password rules. NIST SP 800-63B asks for length, not composition rules.
const (
	MinPasswordLength = 12   // characters
	MaxPasswordBytes  = 1024 // longer input is refused rather than hashed
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, two passes, one
// lane), about 30 ms on one core of the CI machine.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltBytes = 16
	argonKeyBytes  = 32
)

// hashing bounds the hashes computed at once: each holds 19 MiB, and a
// burst of logins must not take the server's memory with it.
var hashing = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// CheckPasswordRules reports a field error when password is too short or
// too long.
func CheckPasswordRules(field, password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return fieldError(field, fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	case len(password) > MaxPasswordBytes:
		return fieldError(field, fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes))
	}
	return nil
}

// HashPassword checks password against the rules and returns its argon2id
// hash in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func HashPassword(password string) (string, error) {
	if err := CheckPasswordRules("password", password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltBytes)
	rand.Read(salt)
	key := deriveKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyBytes)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches encoded, comparing in
// constant time. An empty or malformed hash (a single-sign-on account)
// matches nothing, after as much work as a real check.
func CheckPassword(encoded, password string) bool {
	params, salt, want, err := decodeHash(encoded)
	if err != nil || len(password) > MaxPasswordBytes {
		CheckPassword(dummyHash(), "dummy password")
		return false
	}
	got := deriveKey([]byte(password), salt, params.time, params.memory, params.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// WasteTime does the work of one password check, so that a login for a
// user who does not exist takes as long as one with a wrong password.
func WasteTime(password string) { CheckPassword(dummyHash(), password) }

var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("an unguessable dummy password")
	if err != nil {
		panic(err)
	}
	return h
})

func deriveKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

type argonParams struct {
	memory, time uint32
	threads      uint8
}

// decodeHash reads a PHC string. Parameters are bounded, so that a
// tampered hash cannot make a login allocate gigabytes.
func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errors.New("malformed argon2 parameters")
	}
	if p.memory < 8*1024 || p.memory > 256*1024 || p.time < 1 || p.time > 10 || p.threads < 1 || p.threads > 8 {
		return p, nil, nil, errors.New("argon2 parameters out of range")
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("malformed argon2 salt or key")
	}
	return p, salt, key, nil
}

func fieldError(field, msg string) error {
	return &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{field: msg}}
}
