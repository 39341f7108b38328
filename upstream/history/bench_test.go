package history

import (
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// BenchmarkListAccessItems250 is one full page of 250 access items, all
// five kinds, from a loopback server answering fixed bytes: the cost of the
// client path (request, status, capped read, decode, kinds) with no
// upstream wait.
func BenchmarkListAccessItems250(b *testing.B) {
	body := strings.TrimSpace(fiveItems)
	one := body[1 : len(body)-1]
	page := "[" + strings.Repeat(one+",", 49) + one + "]"
	c, _ := fixed(b, page)
	ctx := b.Context()
	p := AccessItemsParams{Type: Entitlement, Paging: isc.Paging{Limit: 250, Count: true}}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := c.ListAccessItems(ctx, "2c9180835d2e5168015d32f890ca1581", p)
		if err != nil || len(got.Items) != 250 {
			b.Fatalf("%d items, %v", len(got.Items), err)
		}
	}
}
