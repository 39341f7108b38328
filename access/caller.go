package access

import (
	"context"
	"log/slog"
	"strings"

	"github.com/sailgraph/sailgraph/ratelimit"
)

// Caller is who sent a request: an API key's holder, or the anonymous
// caller when no keys are configured.
type Caller struct {
	// Name is the key's name, or "anonymous".
	Name string
	// Anonymous is true when no keys are configured.
	Anonymous bool
	// Scopes are what the caller may ask for.
	Scopes Scopes
	// Rate and Cost override the fair share's defaults for this caller
	// when non-zero.
	Rate, Cost ratelimit.Rate

	// partition is Partition, worked out once by newCaller (a caller
	// built by hand works it out on each call).
	partition string
}

// newCaller returns the caller with its partition worked out, once for
// every request it makes.
func newCaller(name string, anonymous bool, scopes Scopes) Caller {
	c := Caller{Name: name, Anonymous: anonymous, Scopes: scopes}
	c.partition = c.scopePartition()
	return c
}

// AnonymousName is the Name of the anonymous caller.
const AnonymousName = "anonymous"

func anonymous() Caller {
	return newCaller(AnonymousName, true, NewScopes(AllScopes()...))
}

// Partition names the callers whose answers this caller may share: those
// with the same scopes (and so the same fields allowed). Names are not in
// it: two keys with equal scopes see equal answers.
func (c Caller) Partition() string {
	if c.partition != "" {
		return c.partition
	}
	return c.scopePartition()
}

func (c Caller) scopePartition() string {
	var b strings.Builder
	for i, s := range c.Scopes.Sorted() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// LogValue names the caller in log lines (never anything secret).
func (c Caller) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", c.Name), slog.Bool("anonymous", c.Anonymous))
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller in ctx and whether there was one.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
