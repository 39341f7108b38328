package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// KeyPrefix starts every gateway API key, so a key is told apart from an
// ISC token (and found by secret scanners).
const KeyPrefix = "sgk_"

// GenerateKey returns a new random API key: KeyPrefix and 32 random bytes
// in unpadded base64url.
func GenerateKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashKey returns the hex SHA-256 of key, as the keys file stores it.
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// EntryFor returns the keys-file line (without newline) for key, named
// name with scopes: what a `sailgraph hash-key` subcommand prints. key
// must start with KeyPrefix; the line holds only its hash.
func EntryFor(name, key string, scopes ...string) ([]byte, error) {
	if !strings.HasPrefix(key, KeyPrefix) || len(key) < len(KeyPrefix)+32 {
		return nil, fmt.Errorf("a key starts with %q and has at least 32 characters after it", KeyPrefix)
	}
	e := Entry{Name: name, SHA256: HashKey(key)}
	for _, s := range scopes {
		sc, err := ParseScope(s)
		if err != nil {
			return nil, err
		}
		e.Scopes = append(e.Scopes, sc)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if _, err := parseEntry(line); err != nil {
		return nil, err
	}
	return line, nil
}
