package simtenant

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHistoryNew measures New with the default 2,000 identities: the
// roster and catalog only, timelines being lazy.
func BenchmarkHistoryNew(b *testing.B) {
	clock := newFakeClock()
	for b.Loop() {
		New(Options{Identities: 2000, Now: clock.Now})
	}
}

// BenchmarkHistoryTimeline measures generating one identity's timeline,
// the cost of the first request about an identity.
func BenchmarkHistoryTimeline(b *testing.B) {
	h := newHistoryStore(1, 2000, newFakeClock().Now())
	i := 0
	for b.Loop() {
		h.generateTimeline(h.people[i%len(h.people)])
		i++
	}
}

// BenchmarkHistoryHandlers measures serving an operation for an identity
// whose timeline is cached (no network, no middleware).
func BenchmarkHistoryHandlers(b *testing.B) {
	clock := newFakeClock()
	tn := New(Options{Identities: 2000, Now: clock.Now})
	p := tn.history.listIdentities()[7]
	tn.history.timeline(p)
	for _, bc := range []struct {
		name, path string
		serve      histHandler
	}{
		{"listIdentityAccessItems", "/access-items?type=entitlement&sorters=-name", tn.listIdentityAccessItems},
		{"getHistoricalIdentityEvents", "/events?limit=50", tn.getHistoricalIdentityEvents},
		{"getHistoricalIdentity", "", tn.getHistoricalIdentity},
		{"compareIdentitySnapshots", "/compare", tn.compareIdentitySnapshots},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, "/beta/historical-identities/"+p.ID+bc.path, nil)
				r.SetPathValue("id", p.ID)
				w := httptest.NewRecorder()
				bc.serve.serve(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
