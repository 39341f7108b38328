package simtenant

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// authority issues and checks OAuth2 bearer tokens (client credentials).
type authority struct {
	clients map[string]string
	ttl     time.Duration
	now     func() time.Time

	mu     sync.Mutex
	tokens map[string]issued
}

type issued struct {
	clientID string
	expires  time.Time
}

func newAuthority(clients map[string]string, ttl time.Duration, now func() time.Time) *authority {
	return &authority{clients: clients, ttl: ttl, now: now, tokens: map[string]issued{}}
}

// serveToken is POST /oauth/token with grant_type=client_credentials; the
// credentials come in the form or as HTTP Basic auth, as ISC accepts both.
func (a *authority) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	want, known := a.clients[id]
	if !known || secret != want || id == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Bad credentials")
		return
	}
	expires := a.now().Add(a.ttl)
	tok := newToken(id, expires)
	a.mu.Lock()
	a.tokens[tok] = issued{clientID: id, expires: expires}
	a.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int(a.ttl / time.Second),
		"scope":        "sp:scopes:all",
		"tenant_id":    "sim",
		"pod":          "sim",
		"org":          "sim",
	})
}

// check returns the client id behind the request's bearer, or writes the
// 401 the spec documents ({"error": ...}) and returns false.
func (a *authority) check(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "bearer") || tok == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "JWT validation failed: no bearer token"})
		return "", false
	}
	a.mu.Lock()
	is, ok := a.tokens[tok]
	a.mu.Unlock()
	switch {
	case !ok:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "JWT validation failed: token is invalid"})
		return "", false
	case !a.now().Before(is.expires):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "JWT validation failed: JWT is expired"})
		return "", false
	}
	return is.clientID, true
}

func (a *authority) expireAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	past := a.now().Add(-time.Second)
	for k, v := range a.tokens {
		v.expires = past
		a.tokens[k] = v
	}
}

// newToken is an access token shaped like ISC's: a JWT whose payload
// carries the client id and the expiry (exp, seconds since the epoch), so
// that a gateway can read when it expires without asking. Its signature
// is random bytes: the tenant keeps its tokens and checks them by value,
// and nobody else can verify it (as nobody but ISC can verify ISC's).
func newToken(clientID string, expires time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"client_id": clientID, "exp": expires.Unix(), "jti": randomHex(16), "tenant_id": "sim",
	})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
