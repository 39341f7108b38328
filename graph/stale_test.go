package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/graph/resolvers"
	"github.com/sailgraph/sailgraph/record"
)

// staleTasks answers the pending-task count as if from a stale cache
// entry: it notes the stale serve on the request's record, as the cache
// layer does.
type staleTasks struct {
	resolvers.TasksAPI // only CountPendingTasks is called
	stale              bool
}

func (s staleTasks) CountPendingTasks(ctx context.Context) (int, error) {
	if s.stale {
		record.From(ctx).AddStale(ctx, record.Stale{Operation: "getPendingTaskHeaders", Age: 42 * time.Second, Reason: "rate_limited"})
	}
	return 7, nil
}

// withRecord gives every request a record, as the gateway's request-id
// middleware does.
func withRecord(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(record.With(r.Context(), record.New("test"))))
	})
}

func TestStaleServesAreReported(t *testing.T) {
	for _, stale := range []bool{true, false} {
		res := &resolvers.Resolver{Tenant: "example.test", TaskStatus: staleTasks{stale: stale}}
		srv := httptest.NewServer(withRecord(NewHandler(res, Options{Logger: slog.New(slog.DiscardHandler)})))
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
		// The field path is read from the call's context, only now.
		want := StaleServe{Field: "count", Operation: "getPendingTaskHeaders", AgeSeconds: 42, Reason: "rate_limited"}
		if len(served) != 1 || served[0] != want {
			t.Errorf("extensions.stale %+v, want [%+v]", served, want)
		}
	}
}
