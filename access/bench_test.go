package access_test

import (
	"testing"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// BenchmarkPassThroughTokenChecks is what one pass-through request asks
// of the token state in Redis: Revoked when it is authenticated, then
// Confirmed for the result cache and for each of four upstream reads.
func BenchmarkPassThroughTokenChecks(b *testing.B) {
	tokens := access.NewRedisTokens(redistest.Start(b).Client(), access.TokenOptions{})
	ctx := b.Context()
	const id = "tok:bench"
	tokens.Confirm(ctx, id)
	b.ReportAllocs()
	for b.Loop() {
		if tokens.Revoked(ctx, id) {
			b.Fatal("revoked")
		}
		for range 5 {
			if !tokens.Confirmed(ctx, id) {
				b.Fatal("not confirmed")
			}
		}
	}
}
