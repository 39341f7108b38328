package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/sailgraph/sailgraph/internal/gqlstream"
	"github.com/sailgraph/sailgraph/internal/logtest"
)

// TestShutdownEndsSubscriptions cancels the run while a WebSocket and an
// SSE stream hold subscriptions that never end by themselves: the
// WebSocket is closed with 1001, the SSE stream ends with its complete
// event, and run returns, long before the shutdown timeout would have let
// it (http.Server.Shutdown alone would wait on the SSE stream, and never
// close the WebSocket).
func TestShutdownEndsSubscriptions(t *testing.T) {
	addr := freeAddr(t)
	var logs logtest.Buffer
	stop := startRun(t, nil, map[string]string{
		"SAILGRAPH_ADDR": addr, "SAILGRAPH_SIM_IDENTITIES": "20", "SAILGRAPH_SHUTDOWN_TIMEOUT": "5m",
	}, &logs)
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const query = `subscription { pendingTaskCount }`
	ws, err := gqlstream.DialWS(ctx, base+"/graphql", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	sub, err := ws.Subscribe(ctx, query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := sub.Next(ctx); err != nil || ev.Result == nil || len(ev.Result.Errors) > 0 {
		t.Fatalf("WebSocket: %+v %v", ev, err)
	}
	sse, err := gqlstream.DialSSE(ctx, &http.Client{}, base+"/graphql", nil, query, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	if ev, err := sse.Next(); err != nil || ev.Result == nil || len(ev.Result.Errors) > 0 {
		t.Fatalf("SSE: %+v %v", ev, err)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	var ce *websocket.CloseError
	if err := ws.Closed(ctx); !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Fatalf("WebSocket ended with %v, want close 1001", err)
	}
	if ev, err := sse.Next(); err != nil || !ev.Complete {
		t.Fatalf("SSE: %+v %v, want its complete event", ev, err)
	}
	if _, err := sse.Next(); err != io.EOF {
		t.Fatalf("SSE after complete: %v, want the end of the stream", err)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-ctx.Done():
		t.Fatal("run did not return after its subscriptions ended")
	}
}
