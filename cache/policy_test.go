package cache

import (
	"testing"
	"time"
)

func TestDefaultPolicyIsValidAndOrdered(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if !(p[Immutable].Fresh > p[Slow].Fresh && p[Slow].Fresh > p[Volatile].Fresh) {
		t.Fatalf("freshness does not follow how data changes: %+v", p)
	}
	if p[Volatile].Revalidate != 0 || p[NotFound].Grace != 0 {
		t.Fatalf("volatile data or a 404 may be served stale silently: %+v", p)
	}
	if _, ok := p[NoStore]; ok {
		t.Fatal("NoStore has a lifetime")
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(" slow=2m/5m/1h , volatile=0, notfound=10s/0s/20s, immutable=1h/30m", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Class]Lifetime{
		Slow:      {Fresh: 2 * time.Minute, Revalidate: 5 * time.Minute, Grace: time.Hour},
		Volatile:  {},
		NotFound:  {Fresh: 10 * time.Second, Grace: 20 * time.Second},
		Immutable: {Fresh: time.Hour, Revalidate: 30 * time.Minute, Grace: 30 * time.Minute},
	}
	for c, l := range want {
		if p[c] != l {
			t.Errorf("%s = %+v, want %+v", c, p[c], l)
		}
	}
	if DefaultPolicy()[Slow].Fresh != 5*time.Minute {
		t.Fatal("ParsePolicy changed the default table")
	}
	for _, bad := range []string{"slow", "fast=1m", "slow=1m/2m/3m/4m", "slow=soon", "slow=1m/2h/1h", "nostore=1m", "slow=-1m"} {
		if _, err := ParsePolicy(bad, nil); err == nil {
			t.Errorf("ParsePolicy(%q) accepted", bad)
		}
	}
}
