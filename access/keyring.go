package access

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sailgraph/sailgraph/ratelimit"
)

// Entry is one line of the keys file.
type Entry struct {
	// Name identifies the key in logs and the fair share; unique.
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of the key (HashKey).
	SHA256 string `json:"sha256"`
	// Scopes are what the key may ask for.
	Scopes []Scope `json:"scopes"`
	// Rate (e.g. "10/1s") and Cost (e.g. "600/1m", estimated upstream
	// calls) override the fair share's defaults for this key.
	Rate string `json:"rate,omitempty"`
	Cost string `json:"cost,omitempty"`
}

// Keyring is the loaded keys file. It holds hashes only.
type Keyring struct {
	keys []ringKey
}

type ringKey struct {
	hash   [sha256.Size]byte
	caller Caller
}

// Len is the number of keys.
func (k *Keyring) Len() int {
	if k == nil {
		return 0
	}
	return len(k.keys)
}

// LoadKeys reads the keys file at path (SAILGRAPH_API_KEYS_FILE).
func LoadKeys(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("API keys file: %w", err)
	}
	defer f.Close()
	k, err := ParseKeys(f)
	if err != nil {
		return nil, fmt.Errorf("API keys file %s: %w", path, err)
	}
	return k, nil
}

// ParseKeys reads keys in the file format described in the package
// documentation. The error names the line of every bad entry and never
// repeats a hash.
func ParseKeys(r io.Reader) (*Keyring, error) {
	var (
		ring  Keyring
		errs  []error
		names = map[string]bool{}
		seen  = map[[sha256.Size]byte]bool{}
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		rk, err := parseEntry(line)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
		case names[rk.caller.Name]:
			errs = append(errs, fmt.Errorf("line %d: name %q used twice", n, rk.caller.Name))
		case seen[rk.hash]:
			errs = append(errs, fmt.Errorf("line %d: the same key is listed twice", n))
		default:
			names[rk.caller.Name], seen[rk.hash] = true, true
			ring.keys = append(ring.keys, rk)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &ring, nil
}

func parseEntry(line []byte) (ringKey, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return ringKey{}, errors.New("not a JSON object with name, sha256, scopes (and optional rate, cost)")
	}
	var rk ringKey
	var errs []error
	if e.Name == "" || e.Name == AnonymousName || strings.ContainsAny(e.Name, " \t") {
		errs = append(errs, fmt.Errorf("name %q: want a non-empty name without spaces, other than %q", e.Name, AnonymousName))
	}
	h, err := hex.DecodeString(e.SHA256)
	if err != nil || len(h) != sha256.Size {
		errs = append(errs, errors.New("sha256: want 64 hex digits (the hash of the key, never the key)"))
	}
	copy(rk.hash[:], h)
	if len(e.Scopes) == 0 {
		errs = append(errs, errors.New("scopes: want at least one"))
	}
	scopes := Scopes{}
	for _, s := range e.Scopes {
		sc, err := ParseScope(string(s))
		if err != nil {
			errs = append(errs, err)
		}
		scopes[sc] = struct{}{}
	}
	rk.caller = newCaller(e.Name, false, scopes)
	if e.Rate != "" {
		if rk.caller.Rate, err = ratelimit.ParseRate(e.Rate); err != nil {
			errs = append(errs, fmt.Errorf("rate: %w", err))
		}
	}
	if e.Cost != "" {
		if rk.caller.Cost, err = ratelimit.ParseRate(e.Cost); err != nil {
			errs = append(errs, fmt.Errorf("cost: %w", err))
		}
	}
	return rk, errors.Join(errs...)
}

// lookup returns the caller whose key is secret. It compares the hash of
// secret with every entry in constant time and does not stop at a match,
// so its duration says nothing about which entry matched, if any.
func (k *Keyring) lookup(secret string) (Caller, bool) {
	if k == nil {
		return Caller{}, false
	}
	h := sha256.Sum256([]byte(secret))
	found := -1
	for i := range k.keys {
		if subtle.ConstantTimeCompare(h[:], k.keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Caller{}, false
	}
	return k.keys[found].caller, true
}
