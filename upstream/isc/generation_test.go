package isc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// twoGenOp is an operation served by both generations, experimental in
// v1 only.
var twoGenOp = op.Define(op.Operation{Name: "twoGen", Method: http.MethodGet, Family: op.Tasks,
	Paths: [2]op.Path{{Template: "/beta/things/{id}", API: op.Beta}, {Template: "/things/v1/{id}", API: op.TasksV1, Experimental: true}}})

// switching answers V1 for tasks until told otherwise, and records the
// contexts it was asked with.
type switching struct {
	mu  sync.Mutex
	gen op.Generation
	err error
}

func (s *switching) Generation(op.Family) op.Generation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

func (s *switching) GenerationFor(ctx context.Context, f op.Family) (op.Generation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, s.err
}

// A call is built in the generation that serves its family when it is
// sent, with the experimental header only where that generation's path
// wants it; a pinned call keeps its generation; the choice's error is the
// call's.
func TestCallsFollowTheGeneration(t *testing.T) {
	type seen struct{ path, experimental string }
	var got []seen
	gens := &switching{gen: op.V1}
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, seen{path: r.URL.Path, experimental: r.Header.Get(HeaderExperimental)})
		io.WriteString(w, `{}`)
	}, WithGenerations(gens))
	// The op.Call the transport layers read carries the generation too.
	var calls []op.Generation
	c.hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		oc, ok := op.FromRequest(r)
		if !ok {
			t.Fatal("no op.Call in the request's context")
		}
		calls = append(calls, oc.Gen)
		return http.DefaultTransport.RoundTrip(r)
	})
	ctx := t.Context()
	call := Call{Op: twoGenOp, Params: []string{"a"}}
	for _, step := range []func(){
		func() {},
		func() { gens.mu.Lock(); gens.gen = op.Legacy; gens.mu.Unlock() },
	} {
		step()
		if _, err := c.JSON(ctx, call, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.JSON(ctx, call.In(op.V1), nil); err != nil { // pinned against the choice
		t.Fatal(err)
	}
	want := []seen{{"/things/v1/a", "true"}, {"/beta/things/a", ""}, {"/things/v1/a", "true"}}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(calls) != 3 || calls[0] != op.V1 || calls[1] != op.Legacy || calls[2] != op.V1 {
		t.Errorf("op.Call generations %v", calls)
	}

	gens.err = context.DeadlineExceeded
	if _, err := c.JSON(ctx, call, nil); !errors.Is(err, context.DeadlineExceeded) || len(got) != 3 {
		t.Errorf("a failed choice: %v, %d requests", err, len(got))
	}
	legacyOnly := testOp("legacyOnly", http.MethodGet, "/beta/only")
	if _, err := c.JSON(ctx, Call{Op: legacyOnly}.In(op.V1), nil); err == nil || len(got) != 3 {
		t.Errorf("an operation v1 lacks was sent: %v", err)
	}
}
