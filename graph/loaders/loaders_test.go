package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/sailgraph/sailgraph/graph/model"
)

func TestOnceMakesEqualCallsOnce(t *testing.T) {
	l := New(Fetch{}, Options{})
	ctx := With(context.Background(), l)
	var calls atomic.Int32
	release := make(chan struct{})
	fn := func(context.Context) (string, error) {
		calls.Add(1)
		<-release
		return "v", nil
	}
	var wg sync.WaitGroup
	results := make([]string, 50)
	for i := range results {
		wg.Go(func() {
			v, err := Once(ctx, For(ctx), "op a=1", fn)
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls for one key", n)
	}
	for _, r := range results {
		if r != "v" {
			t.Fatalf("results %v", results)
		}
	}
	// Later callers get the result without a call; another key calls.
	if v, _ := Once(ctx, l, "op a=1", fn); v != "v" || calls.Load() != 1 {
		t.Fatal("a later equal call was made again")
	}
	if _, _ = Once(ctx, l, "op a=2", fn); calls.Load() != 2 {
		t.Fatal("a different call was not made")
	}
}

func TestOnceSharesErrorsAndHonoursContext(t *testing.T) {
	l := New(Fetch{}, Options{})
	boom := errors.New("boom")
	var calls atomic.Int32
	failing := func(context.Context) (int, error) { calls.Add(1); return 0, boom }
	for range 3 {
		if _, err := Once(context.Background(), l, "k", failing); !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls", calls.Load())
	}

	// A waiter whose context ends stops waiting.
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	go func() {
		_, _ = Once(context.Background(), l, "slow", func(context.Context) (int, error) {
			close(started)
			<-release
			return 1, nil
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Once(ctx, l, "slow", func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestOnceRecoversPanics(t *testing.T) {
	l := New(Fetch{}, Options{})
	_, err := Once(context.Background(), l, "p", func(context.Context) (int, error) { panic("bad") })
	if err == nil {
		t.Fatal("a panicking call returned no error")
	}
}

func TestTasksAreBatched(t *testing.T) {
	var mu sync.Mutex
	var batches [][]string
	f := Fetch{TasksByID: func(_ context.Context, ids []string) (map[string]*model.TaskStatus, error) {
		mu.Lock()
		batches = append(batches, slices.Clone(ids))
		mu.Unlock()
		out := map[string]*model.TaskStatus{}
		errs := dataloadgen.MappedFetchError[string]{}
		for _, id := range ids {
			switch id {
			case "gone":
			case "broken":
				errs[id] = errors.New("broken")
			default:
				out[id] = &model.TaskStatus{ID: id}
			}
		}
		return out, errs
	}}
	// A generous wait: the test checks batching, not timing.
	l := New(f, Options{BatchWait: 500 * time.Millisecond})
	ids := []string{"a", "b", "c", "d", "a", "gone", "broken"}
	got := make([]*model.TaskStatus, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { got[i], errs[i] = l.Task(context.Background(), id) })
	}
	wg.Wait()
	if len(batches) != 1 {
		t.Fatalf("%d batches: %v", len(batches), batches)
	}
	slices.Sort(batches[0])
	if !slices.Equal(batches[0], []string{"a", "b", "broken", "c", "d", "gone"}) {
		t.Fatalf("batch %v", batches[0])
	}
	for i, id := range ids {
		switch id {
		case "gone":
			if !errors.Is(errs[i], dataloadgen.ErrNotFound) {
				t.Errorf("%s: err %v", id, errs[i])
			}
		case "broken":
			if errs[i] == nil || errs[i].Error() != "broken" {
				t.Errorf("%s: err %v", id, errs[i])
			}
		default:
			if errs[i] != nil || got[i].ID != id {
				t.Errorf("%s: %+v, %v", id, got[i], errs[i])
			}
		}
	}
}

func TestForWithoutLoadersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("For without loaders did not panic")
		}
	}()
	For(context.Background())
}
