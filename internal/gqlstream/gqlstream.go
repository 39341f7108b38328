// Package gqlstream is a client of GraphQL subscriptions for tests: the
// graphql-transport-ws protocol (the graphql-ws library's) over a real
// WebSocket (github.com/coder/websocket), and graphql-sse's distinct
// connections mode (Server-Sent Events) over net/http. It speaks the
// protocols as their specifications say, independent of the server's
// code, so that tests see what any client would.
package gqlstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// Error is one entry of a GraphQL errors list.
type Error struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Result is one execution result: a `next` payload.
type Result struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Event is what a subscription received: a result, its completion, or (on
// a WebSocket) an `error` message ending it.
type Event struct {
	Result   *Result
	Complete bool
	// Errors are an `error` message's (WebSocket only).
	Errors []Error
}

// ErrClosed: the stream ended before the event asked for.
var ErrClosed = errors.New("gqlstream: stream closed")

// request is a GraphQL request body.
type request struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

// WS is one graphql-transport-ws connection.
type WS struct {
	conn *websocket.Conn

	mu      sync.Mutex
	subs    map[string]chan Event
	nextID  int
	closeMu sync.Mutex
	closed  error // why the read loop ended
	done    chan struct{}
	pings   atomic.Int32
}

// DialWS connects to url (http:// or ws://), with header on the upgrade
// request, sends connection_init with payload (nil: none) and waits for
// connection_ack. A refused connection_init is the *websocket.CloseError
// the server closed with (4403).
func DialWS(ctx context.Context, url string, header http.Header, payload map[string]any) (*WS, error) {
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	if conn.Subprotocol() != "graphql-transport-ws" {
		_ = conn.CloseNow()
		return nil, fmt.Errorf("gqlstream: server chose subprotocol %q", conn.Subprotocol())
	}
	conn.SetReadLimit(16 << 20)
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	if err := writeJSON(ctx, conn, init); err != nil {
		_ = conn.CloseNow()
		return nil, err
	}
	for {
		var msg message
		if err := readJSON(ctx, conn, &msg); err != nil {
			_ = conn.CloseNow()
			return nil, closeErr(err)
		}
		switch msg.Type {
		case "connection_ack":
			c := &WS{conn: conn, subs: map[string]chan Event{}, done: make(chan struct{})}
			go c.read()
			return c, nil
		case "ping":
			if err := writeJSON(ctx, conn, map[string]any{"type": "pong"}); err != nil {
				return nil, err
			}
		default:
			_ = conn.CloseNow()
			return nil, fmt.Errorf("gqlstream: %q before connection_ack", msg.Type)
		}
	}
}

type message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func writeJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

func readJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// closeErr returns the *websocket.CloseError in err, or err.
func closeErr(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &ce
	}
	return err
}

// read dispatches messages to their subscriptions and answers pings.
func (c *WS) read() {
	defer close(c.done)
	ctx := context.Background()
	for {
		var msg message
		if err := readJSON(ctx, c.conn, &msg); err != nil {
			c.closeMu.Lock()
			c.closed = closeErr(err)
			c.closeMu.Unlock()
			c.mu.Lock()
			for id, ch := range c.subs {
				close(ch)
				delete(c.subs, id)
			}
			c.mu.Unlock()
			return
		}
		switch msg.Type {
		case "ping":
			c.pings.Add(1)
			_ = writeJSON(ctx, c.conn, map[string]any{"type": "pong"})
			continue
		case "pong":
			continue
		}
		c.mu.Lock()
		ch := c.subs[msg.ID]
		var ev Event
		switch msg.Type {
		case "next":
			var r Result
			if err := json.Unmarshal(msg.Payload, &r); err == nil {
				ev.Result = &r
			}
		case "error":
			_ = json.Unmarshal(msg.Payload, &ev.Errors)
			ev.Complete = true
		case "complete":
			ev.Complete = true
		}
		if ch != nil {
			ch <- ev // buffered generously; a test reads what it asked for
			if ev.Complete {
				close(ch)
				delete(c.subs, msg.ID)
			}
		}
		c.mu.Unlock()
	}
}

// Pings is how many pings the server has sent.
func (c *WS) Pings() int { return int(c.pings.Load()) }

// Subscribe sends a subscribe message and returns its events.
func (c *WS) Subscribe(ctx context.Context, query string, vars map[string]any) (*Sub, error) {
	c.mu.Lock()
	c.nextID++
	id := fmt.Sprint(c.nextID)
	ch := make(chan Event, 256)
	c.subs[id] = ch
	c.mu.Unlock()
	err := writeJSON(ctx, c.conn, map[string]any{"type": "subscribe", "id": id, "payload": request{Query: query, Variables: vars}})
	if err != nil {
		return nil, err
	}
	return &Sub{ws: c, id: id, ch: ch}, nil
}

// Closed waits until the server has closed the connection (or ctx ends)
// and returns how: a *websocket.CloseError with its code, usually.
func (c *WS) Closed(ctx context.Context) error {
	select {
	case <-c.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closed
}

// Close closes the connection normally.
func (c *WS) Close() { _ = c.conn.Close(websocket.StatusNormalClosure, "") }

// Sub is one subscription on a WS.
type Sub struct {
	ws *WS
	id string
	ch chan Event
}

// Next returns the subscription's next event; ErrClosed when the
// connection closed first.
func (s *Sub) Next(ctx context.Context) (Event, error) {
	select {
	case ev, ok := <-s.ch:
		if !ok {
			return Event{}, ErrClosed
		}
		return ev, nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// Stop sends complete for the subscription (the client stops it).
func (s *Sub) Stop(ctx context.Context) error {
	return writeJSON(ctx, s.ws.conn, map[string]any{"type": "complete", "id": s.id})
}

// SSE is one graphql-sse subscription in distinct connections mode.
type SSE struct {
	resp     *http.Response
	r        *bufio.Reader
	comments atomic.Int32
	// Status and Header are the response's.
	Status int
	Header http.Header
}

// DialSSE posts the subscription to url with Accept: text/event-stream and
// header, and returns its stream once the response's headers are in. A
// response that is not an event stream is returned as an error with its
// body.
func DialSSE(ctx context.Context, client *http.Client, url string, header http.Header, query string, vars map[string]any) (*SSE, error) {
	body, err := json.Marshal(request{Query: query, Variables: vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("gqlstream: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return &SSE{resp: resp, r: bufio.NewReader(resp.Body), Status: resp.StatusCode, Header: resp.Header}, nil
}

// Next reads the next event: a `next` (Result) or `complete`. Comments
// (keep-alives) are counted and skipped. io.EOF: the server ended the
// stream without a complete event.
func (s *SSE) Next() (Event, error) {
	var name string
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			if err == io.EOF && name == "" && len(data) == 0 {
				return Event{}, io.EOF
			}
			return Event{}, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if name == "" && len(data) == 0 {
				continue // a blank line after a comment
			}
			switch name {
			case "next", "":
				var r Result
				if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &r); err != nil {
					return Event{}, fmt.Errorf("gqlstream: next event %q: %w", strings.Join(data, "\n"), err)
				}
				return Event{Result: &r}, nil
			case "complete":
				return Event{Complete: true}, nil
			default:
				return Event{}, fmt.Errorf("gqlstream: unknown event %q", name)
			}
		case strings.HasPrefix(line, ":"):
			s.comments.Add(1)
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// Comments is how many comment lines (keep-alives) arrived.
func (s *SSE) Comments() int { return int(s.comments.Load()) }

// Close drops the connection.
func (s *SSE) Close() { s.resp.Body.Close() }
