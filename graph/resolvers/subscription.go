package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/sailgraph/sailgraph/jobs"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// JobsAPI is the job watchers the subscriptions read (*jobs.Hub): one
// poller per job across the gateway's replicas, whose updates every
// subscriber shares.
type JobsAPI interface {
	Subscribe(j jobs.Job) (*jobs.Subscription, error)
}

var _ JobsAPI = (*jobs.Hub)(nil)

// firstStateWait bounds how long opening a subscription waits for the
// job's current state (a poll, or another replica's stored state): an
// unknown id is then an error on the subscription itself. Past it (the
// tenant's budget is spent, say) the subscription opens without it, and
// the state comes as the first event when a poll finds it.
const firstStateWait = 30 * time.Second

// errNoPrincipal: a request reached a subscription without the principal
// the gateway puts in every request.
var errNoPrincipal = errors.New("no principal in the request")

// watch opens a subscription to the job jobFor builds for the caller's
// principal, and returns the channel gqlgen reads: the current state at
// once, then each change, closed after the final state (or when the
// caller leaves, or the gateway shuts down). A job that ends in an error
// before its first state (an unknown id: NOT_FOUND) is the subscription's
// error; one that ends in an error later just completes.
func watch[T any](ctx context.Context, r *Resolver, jobFor func(principal.Principal) jobs.Job, convert func(jobs.Update) (T, error)) (<-chan T, error) {
	p, ok := principal.From(ctx)
	if !ok {
		return nil, errNoPrincipal
	}
	if r.Jobs == nil {
		return nil, jobs.ErrClosed
	}
	sub, err := r.Jobs.Subscribe(jobFor(p))
	if err != nil {
		return nil, err
	}
	out := make(chan T, 1)
	fctx, cancel := context.WithTimeout(ctx, firstStateWait)
	u, ok := sub.Next(fctx)
	cancel()
	switch {
	case !ok && ctx.Err() != nil: // the caller left
		sub.Close()
		return nil, ctx.Err()
	case ok && u.Err != nil:
		sub.Close()
		return nil, jobError(ctx, u.Err)
	case ok:
		v, err := convert(u)
		if err != nil {
			sub.Close()
			return nil, err
		}
		out <- v
		if u.Final {
			sub.Close()
			close(out)
			return out, nil
		}
	}
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			u, ok := sub.Next(ctx)
			if !ok || u.Err != nil {
				return
			}
			v, err := convert(u)
			if err != nil {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
			if u.Final {
				return
			}
		}
	}()
	return out, nil
}

// jobError is a job's final error as a GraphQL error with its code.
func jobError(ctx context.Context, e *jobs.Error) error {
	return &gqlerror.Error{
		Message:    e.Message,
		Path:       graphql.GetPath(ctx),
		Extensions: map[string]any{"code": string(e.Code)},
	}
}

// decoded is the convert of watch for a job whose state is the upstream
// client's type S, which to maps to the field's type.
func decoded[S, T any](to func(*S) T) func(jobs.Update) (T, error) {
	return func(u jobs.Update) (T, error) {
		var s S
		if err := json.Unmarshal(u.State, &s); err != nil {
			var zero T
			return zero, err
		}
		return to(&s), nil
	}
}
