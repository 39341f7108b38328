package principal

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestBearerNeverLeaks(t *testing.T) {
	const tok = "eyJ-secret-token-value"
	p := ForBearer("acme", tok)
	if p.Bearer() != tok {
		t.Fatal("bearer not kept for the transport")
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("call", "principal", p)
	for _, s := range []string{p.Key(), p.String(), fmt.Sprintf("%v %+v", p, p), buf.String()} {
		if strings.Contains(s, tok) {
			t.Fatalf("token leaked in %q", s)
		}
	}
	if q := ForBearer("acme", tok+"x"); q.Key() == p.Key() {
		t.Fatal("two tokens share a key")
	}
	ctx := With(context.Background(), p)
	if got, ok := From(ctx); !ok || got.Key() != p.Key() {
		t.Fatal("principal not carried in context")
	}
	if _, ok := From(context.Background()); ok {
		t.Fatal("principal found in an empty context")
	}
}
