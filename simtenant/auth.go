package simtenant

import (
	"crypto/rand"
	"encoding/hex"
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
	tok := randomToken()
	a.mu.Lock()
	a.tokens[tok] = issued{clientID: id, expires: a.now().Add(a.ttl)}
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

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
