package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so that secret scanners can spot a
// leaked one.
const TokenPrefix = "aft_"

// tokenSecretBytes is the randomness in a token: 256 bits.
const tokenSecretBytes = 32

var tokenLength = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenSecretBytes)

// newToken makes a token's public id (shown in lists, used to revoke it)
// and its secret, aft_ followed by 43 URL-safe characters.
func newToken() (id, secret string) {
	idBytes := make([]byte, 6)
	rand.Read(idBytes)
	secretBytes := make([]byte, tokenSecretBytes)
	rand.Read(secretBytes)
	return hex.EncodeToString(idBytes), TokenPrefix + base64.RawURLEncoding.EncodeToString(secretBytes)
}

// wellFormedToken reports whether raw could be a token, so that garbage
// costs no lookup.
func wellFormedToken(raw string) bool {
	if len(raw) != tokenLength || !strings.HasPrefix(raw, TokenPrefix) {
		return false
	}
	for _, r := range raw[len(TokenPrefix):] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// secretHash is what is stored of a token or a session id. Both are 256-bit
// random values, so a plain SHA-256 is enough: there is no dictionary to
// try, and lookup by hash needs no per-row salt.
func secretHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
