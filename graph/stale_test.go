package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/graph/resolvers"
)

// recordingNotes is a StaleNotes whose record the fake upstream below
// writes to, as the cache does when it serves an answer stale.
type recordingNotes struct{}

type (
	recordKey struct{}
	labelKey  struct{}
)

type record struct {
	mu     sync.Mutex
	served []StaleServe
}

func (recordingNotes) Collect(ctx context.Context) (context.Context, func() []StaleServe) {
	rec := &record{}
	return context.WithValue(ctx, recordKey{}, rec), func() []StaleServe {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return append([]StaleServe(nil), rec.served...)
	}
}

func (recordingNotes) Label(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, labelKey{}, label)
}

// staleTasks answers the pending-task count as if from a stale cache entry.
type staleTasks struct {
	resolvers.TasksAPI // only CountPendingTasks is called
	stale              bool
}

func (s staleTasks) CountPendingTasks(ctx context.Context) (int, error) {
	if s.stale {
		rec := ctx.Value(recordKey{}).(*record)
		label, _ := ctx.Value(labelKey{}).(string)
		rec.mu.Lock()
		rec.served = append(rec.served, StaleServe{Field: label, Operation: "getPendingTaskHeaders", AgeSeconds: 42, Reason: "rate_limited"})
		rec.mu.Unlock()
	}
	return 7, nil
}

func TestStaleServesAreReported(t *testing.T) {
	for _, stale := range []bool{true, false} {
		res := &resolvers.Resolver{Tenant: "example.test", TaskStatus: staleTasks{stale: stale}}
		srv := httptest.NewServer(NewHandler(res, Options{Stale: recordingNotes{}, Logger: slog.New(slog.DiscardHandler)}))
		ex := post(t, srv, mediaGraphQLResponse, mediaJSON, queryBody("{ count: pendingTaskCount gateway { tenant } }"))
		srv.Close()
		if ex.status != 200 || string(ex.body.Data) != `{"count":7,"gateway":{"tenant":"example.test"}}` {
			t.Fatalf("stale=%v: %d %s %+v", stale, ex.status, ex.body.Data, ex.body.Errors)
		}
		raw, has := ex.body.Extensions["stale"]
		if !stale {
			if has {
				t.Errorf("fresh answer reports stale: %v", raw)
			}
			continue
		}
		b, _ := json.Marshal(raw)
		var served []StaleServe
		if err := json.Unmarshal(b, &served); err != nil {
			t.Fatal(err)
		}
		want := StaleServe{Field: "count", Operation: "getPendingTaskHeaders", AgeSeconds: 42, Reason: "rate_limited"}
		if len(served) != 1 || served[0] != want {
			t.Errorf("extensions.stale %+v, want [%+v]", served, want)
		}
	}
}
