package record

import (
	"context"
	"testing"
	"time"
)

// What an answer was built from: kept until the soonest upstream answer
// used stops being fresh, with each namespace once; not kept at all once
// anything used was not stored, or a namespace changed generation while
// the request ran.
func TestBuilt(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := New("r")
	if ok, until, deps := r.Built(); !ok || !until.IsZero() || deps != nil {
		t.Fatalf("nothing used: %v %v %v", ok, until, deps)
	}
	r.Used(t0.Add(5*time.Minute), "", nil)
	r.Used(t0.Add(2*time.Second), "t|tasks", []byte("g1"))
	r.Used(t0.Add(time.Minute), "t|tasks", []byte("g1"))
	r.Used(t0.Add(time.Hour), "t|report|r1", []byte("g2"))
	ok, until, deps := r.Built()
	if !ok || !until.Equal(t0.Add(2*time.Second)) || len(deps) != 2 ||
		deps[0].Namespace != "t|tasks" || string(deps[0].Generation) != "g1" ||
		deps[1].Namespace != "t|report|r1" || string(deps[1].Generation) != "g2" {
		t.Fatalf("built: %v %v %+v", ok, until, deps)
	}
	deps[0].Namespace = "changed"
	if _, _, again := r.Built(); again[0].Namespace != "t|tasks" {
		t.Fatal("Built shares the record's deps")
	}

	for name, spoil := range map[string]func(r *Record){
		"not stored":             func(r *Record) { r.Used(time.Time{}, "", nil) },
		"generation changed":     func(r *Record) { r.Used(t0.Add(time.Minute), "t|tasks", []byte("g9")) },
		"marked uncacheable":     func(r *Record) { r.Uncacheable() },
		"not stored, namespaced": func(r *Record) { r.Used(time.Time{}, "t|tasks", []byte("g1")) },
	} {
		r := New(name)
		r.Used(t0.Add(time.Minute), "t|tasks", []byte("g1"))
		spoil(r)
		r.Used(t0.Add(time.Minute), "", nil) // nothing after restores it
		if ok, _, _ := r.Built(); ok {
			t.Errorf("%s: still cacheable", name)
		}
	}

	var none *Record
	none.Used(t0, "ns", nil)
	none.Uncacheable()
	if ok, _, _ := none.Built(); ok {
		t.Fatal("a nil record's answer is cacheable")
	}
}

// A stale serve is labelled with the field being resolved, unless it
// names one itself, and counted.
func TestStaleServesAreLabelled(t *testing.T) {
	type fieldKey struct{}
	r := New("r")
	r.SetLabeler(func(ctx context.Context) string { s, _ := ctx.Value(fieldKey{}).(string); return s })
	ctx := context.WithValue(context.Background(), fieldKey{}, "identity.accessItems")
	r.AddStale(ctx, Stale{Operation: "listIdentityAccessItems", Reason: "unavailable"})
	r.AddStale(ctx, Stale{Field: "own", Operation: "getHistoricalIdentity", Reason: "rate_limited"})
	got := r.StaleServes()
	if len(got) != 2 || r.CacheStale() != 2 || got[0].Field != "identity.accessItems" || got[1].Field != "own" {
		t.Fatalf("stale serves %+v, counted %d", got, r.CacheStale())
	}
}
