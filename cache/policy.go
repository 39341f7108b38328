package cache

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// Class is how an answer's data changes, which decides how long it is kept.
// Callers classify each answer from its operation and its content.
type Class uint8

const (
	// NoStore answers are never kept (errors other than 404, downloads).
	NoStore Class = iota
	// Immutable data never changes once it exists: a snapshot at a past
	// date, a completed task, a finished report, a finished export.
	Immutable
	// Slow data changes in minutes: the latest identity, its access items,
	// events, snapshot lists, comparisons.
	Slow
	// Volatile data changes by the second: pending tasks, a running report,
	// an export in progress.
	Volatile
	// NotFound is an upstream 404.
	NotFound
)

var classNames = [...]string{NoStore: "nostore", Immutable: "immutable", Slow: "slow", Volatile: "volatile", NotFound: "notfound"}

// String returns the class's name as ParsePolicy reads it.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", c)
}

// ParseClass reads a class name ("immutable", "slow", ...).
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if strings.EqualFold(s, n) {
			return Class(i), nil
		}
	}
	return NoStore, fmt.Errorf("cache: unknown data class %q", s)
}

// Lifetime is how long an answer of one class is used, counted from when
// it was stored.
type Lifetime struct {
	// Fresh is how long the answer is served as is. Zero means the class
	// is not stored at all.
	Fresh time.Duration
	// Revalidate is how long after Fresh the answer is still served at
	// once while one background refresh runs (stale-while-revalidate).
	Revalidate time.Duration
	// Grace is how long after Fresh the answer is served instead of an
	// upstream "rate limited" or "unavailable" failure (stale-if-error),
	// marked stale for the caller. It is at least Revalidate.
	Grace time.Duration
}

// Keep is how long the store must hold an answer: its whole usable life.
func (l Lifetime) Keep() time.Duration { return l.Fresh + max(l.Revalidate, l.Grace) }

// Policy is the table of lifetimes by data class. A class absent from the
// table is not stored.
type Policy map[Class]Lifetime

// DefaultPolicy returns the default table; the README's "Cache lifetimes" says why these values.
func DefaultPolicy() Policy {
	return Policy{
		Immutable: {Fresh: 24 * time.Hour, Revalidate: 24 * time.Hour, Grace: 24 * time.Hour},
		Slow:      {Fresh: 5 * time.Minute, Revalidate: 5 * time.Minute, Grace: time.Hour},
		Volatile:  {Fresh: 2 * time.Second, Revalidate: 0, Grace: 30 * time.Second},
		NotFound:  {Fresh: 30 * time.Second, Revalidate: 0, Grace: 0},
	}
}

// Validate reports a table that cannot be used: negative durations, a
// Revalidate window longer than the Grace window, or a NoStore row.
func (p Policy) Validate() error {
	for c, l := range p {
		switch {
		case c == NoStore && l.Fresh > 0:
			return fmt.Errorf("cache: policy gives a lifetime to %s", c)
		case l.Fresh < 0 || l.Revalidate < 0 || l.Grace < 0:
			return fmt.Errorf("cache: policy for %s has a negative duration", c)
		case l.Revalidate > l.Grace:
			return fmt.Errorf("cache: policy for %s revalidates (%s) longer than its grace (%s)", c, l.Revalidate, l.Grace)
		}
	}
	return nil
}

// longest is the longest Keep in the table.
func (p Policy) longest() time.Duration {
	var d time.Duration
	for _, l := range p {
		d = max(d, l.Keep())
	}
	return d
}

// ParsePolicy overrides rows of base (DefaultPolicy when nil) from a
// configuration string such as "slow=2m/5m/1h,volatile=0" where each row is
// class=fresh[/revalidate[/grace]]; a missing revalidate is 0 and a missing
// grace equals revalidate. fresh=0 turns the class's caching off.
func ParsePolicy(s string, base Policy) (Policy, error) {
	if base == nil {
		base = DefaultPolicy()
	}
	p := maps.Clone(base)
	for row := range strings.SplitSeq(s, ",") {
		row = strings.TrimSpace(row)
		if row == "" {
			continue
		}
		name, spec, ok := strings.Cut(row, "=")
		if !ok {
			return nil, fmt.Errorf("cache: policy row %q is not class=fresh/revalidate/grace", row)
		}
		c, err := ParseClass(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		parts := strings.Split(spec, "/")
		if len(parts) > 3 {
			return nil, fmt.Errorf("cache: policy row %q has more than three durations", row)
		}
		var d [3]time.Duration
		for i, part := range parts {
			if d[i], err = time.ParseDuration(strings.TrimSpace(part)); err != nil {
				return nil, fmt.Errorf("cache: policy row %q: %w", row, err)
			}
		}
		if len(parts) < 3 {
			d[2] = d[1]
		}
		p[c] = Lifetime{Fresh: d[0], Revalidate: d[1], Grace: d[2]}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}
