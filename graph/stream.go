package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/internal/syncctx"
)

// Subscriptions and other operations run over two streaming transports at
// the same /graphql, beside GET and POST:
//
//   - WebSocket, graphql-transport-ws (the graphql-ws library's protocol;
//     the older graphql-ws subprotocol too). The caller's credentials come
//     with the upgrade request's headers or in connection_init's payload
//     (StreamOptions.Init); a refused connection_init closes the socket
//     with 4403. The server pings every KeepAlive and drops a peer that
//     has not answered two pings.
//   - Server-Sent Events, graphql-sse's "distinct connections" mode: a
//     POST with Accept: text/event-stream; each result is a `next` event,
//     the end a `complete` event, with a `: ping` comment every KeepAlive.
//
// Subscriptions are served only there: over plain GET and POST they are
// refused with 400 and STREAMING_TRANSPORT_REQUIRED.

// CodeStreamRequired is the extensions.code of a subscription sent over
// plain GET or POST.
const CodeStreamRequired = "STREAMING_TRANSPORT_REQUIRED"

// StreamOptions configure the streaming transports.
type StreamOptions struct {
	// Init checks a WebSocket's connection_init payload and returns the
	// context of the connection's operations (access.WebSocketInit); an
	// error refuses the connection (its message is the close reason).
	// Nil accepts every connection as it is.
	Init func(ctx context.Context, payload map[string]any) (context.Context, error)
	// KeepAlive is how often a ping goes out on an idle stream (default
	// 15 s).
	KeepAlive time.Duration
	// InitTimeout is how long a WebSocket may take to send
	// connection_init (default 10 s).
	InitTimeout time.Duration
	// OperationTimeout bounds a query or mutation sent over a stream, as
	// the request deadline bounds one sent over POST (0: none).
	// Subscriptions run until they end.
	OperationTimeout time.Duration
	// Streams, when set, tracks the WebSocket connections so that
	// Streams.Shutdown can close them.
	Streams *Streams
}

func (o StreamOptions) withDefaults() StreamOptions {
	if o.KeepAlive <= 0 {
		o.KeepAlive = 15 * time.Second
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = 10 * time.Second
	}
	if o.Streams == nil {
		o.Streams = NewStreams()
	}
	return o
}

// addStreams adds the WebSocket and SSE transports to srv, ahead of GET
// and POST (which would claim an SSE request's POST).
func addStreams(srv *handler.Server, o StreamOptions, fetch loaders.Fetch, lopts loaders.Options) {
	o = o.withDefaults()
	srv.AddTransport(transport.Websocket{
		Implementation:        wsImplementation{o.Streams},
		InitFunc:              wsInit(o.Init),
		InitTimeout:           o.InitTimeout,
		KeepAlivePingInterval: o.KeepAlive, // graphql-ws subprotocol
		PingPongInterval:      o.KeepAlive, // graphql-transport-ws
	})
	srv.AddTransport(sseTransport{transport.SSE{KeepAlivePingInterval: o.KeepAlive}})
	srv.Use(streamOperations{timeout: o.OperationTimeout, fetch: fetch, loaders: lopts})
}

// sseTransport is gqlgen's SSE transport with its response writer
// guarded: its keep-alive goroutine stops only when the request's context
// ends, which net/http does after the handler has returned, so a ping due
// in between would write to (and flush) a finished response, and crash the
// process (gqlgen v0.17.95). Writes after Do has returned are dropped, and
// the context ends with Do.
type sseTransport struct{ transport.SSE }

func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx, cancel := context.WithCancel(r.Context())
	gw := &guardedWriter{ResponseWriter: w}
	defer func() {
		cancel()
		gw.close()
	}()
	t.SSE.Do(gw, r.WithContext(ctx), exec)
}

// errResponseDone: a write after the handler returned.
var errResponseDone = errors.New("graph: the response is finished")

// guardedWriter passes writes and flushes on until close. The keep-alive
// goroutine only writes and flushes; the headers are Do's own.
type guardedWriter struct {
	http.ResponseWriter
	mu   sync.Mutex
	done bool
}

func (g *guardedWriter) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return 0, errResponseDone
	}
	return g.ResponseWriter.Write(b)
}

func (g *guardedWriter) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.done {
		_ = http.NewResponseController(g.ResponseWriter).Flush()
	}
}

func (g *guardedWriter) close() {
	g.mu.Lock()
	g.done = true
	g.mu.Unlock()
}

// wsKey marks the context of a WebSocket connection's operations.
type wsKey struct{}

// wsCloseReasonMax is the longest close reason a close frame holds.
const wsCloseReasonMax = 123

// wsInit adapts init to gqlgen's InitFunc: a refusal closes the socket
// with 4403 Forbidden and the refusal as its reason.
func wsInit(init func(context.Context, map[string]any) (context.Context, error)) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if init != nil {
			authed, err := init(ctx, payload)
			if err != nil {
				reason := err.Error()
				if len(reason) > wsCloseReasonMax {
					reason = reason[:wsCloseReasonMax]
				}
				return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, 4403), reason), nil, err
			}
			ctx = authed
		}
		return context.WithValue(ctx, wsKey{}, true), nil, nil
	}
}

// streamOperations gives every operation of a WebSocket connection its own
// loaders (a connection lives for hours; loaders memoize for one
// operation), and bounds queries and mutations sent over a stream.
type streamOperations struct {
	timeout time.Duration
	fetch   loaders.Fetch
	loaders loaders.Options
}

var (
	_ graphql.HandlerExtension     = streamOperations{}
	_ graphql.OperationInterceptor = streamOperations{}
	_ graphql.ResponseInterceptor  = streamOperations{}
)

func (streamOperations) ExtensionName() string                   { return "StreamOperations" }
func (streamOperations) Validate(graphql.ExecutableSchema) error { return nil }

func (s streamOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if ctx.Value(wsKey{}) != nil {
		ctx = loaders.With(ctx, loaders.New(s.fetch, s.loaders))
	}
	return next(ctx)
}

func (s streamOperations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if s.timeout > 0 && graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation != ast.Subscription {
			ctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			return next(ctx)
		}
	}
	return next(ctx)
}

// Streams tracks the open WebSocket connections of a handler, so that
// the gateway's shutdown can close them properly: http.Server.Shutdown
// neither waits for nor closes hijacked connections.
type Streams struct {
	mu      sync.Mutex
	conns   map[*wsConn]struct{}
	closing bool
	wg      sync.WaitGroup
}

// NewStreams returns an empty tracker.
func NewStreams() *Streams { return &Streams{conns: map[*wsConn]struct{}{}} }

// errShuttingDown refuses a WebSocket upgrade during shutdown.
var errShuttingDown = errors.New("the gateway is shutting down")

// Shutdown closes every WebSocket connection with 1001 (going away), as
// new ones are refused, and waits until they have closed or ctx ends.
// Clients (graphql-ws) reconnect on 1001, to another replica.
func (s *Streams) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.WriteClose(int(websocket.StatusGoingAway), "")
	}
	return syncctx.Wait(ctx, &s.wg)
}

// Open is how many WebSocket connections are open.
func (s *Streams) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Streams) add(c *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Streams) remove(c *wsConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *Streams) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// wsImplementation accepts WebSockets with github.com/coder/websocket
// (same-origin unless the caller's Origin matches its Host, as the
// library checks), tracked by Streams.
type wsImplementation struct{ s *Streams }

var _ transport.WebsocketImplementation = wsImplementation{}

func (i wsImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	if i.s.shuttingDown() {
		return nil, errShuttingDown
	}
	for k, vs := range o.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: o.Subprotocols})
	if err != nil {
		return nil, err
	}
	c := &wsConn{conn: conn, s: i.s}
	if !i.s.add(c) {
		_ = conn.Close(websocket.StatusGoingAway, errShuttingDown.Error())
		return nil, errShuttingDown
	}
	// gqlgen closes the connection itself only on some paths; when its
	// handler returns, net/http ends the request's context, and whatever
	// is left is closed then.
	context.AfterFunc(r.Context(), func() { _ = c.Close() })
	return c, nil
}

// wsConn adapts a coder/websocket connection to gqlgen's transport. Its
// close handshake runs in the background (the library waits up to 5 s
// for the peer's close frame), counted by Streams until it is over.
type wsConn struct {
	conn *websocket.Conn
	s    *Streams

	mu       sync.Mutex
	closing  bool
	deadline *time.Timer
	doneOnce sync.Once
}

var (
	_ transport.WebsocketConn          = (*wsConn)(nil)
	_ transport.WebsocketReadLimiter   = (*wsConn)(nil)
	_ transport.WebsocketReadDeadliner = (*wsConn)(nil)
)

func (c *wsConn) done() { c.doneOnce.Do(func() { c.s.remove(c) }) }

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd, websocket.StatusGoingAway:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *wsConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.conn.Write(context.Background(), websocket.MessageText, b)
}

// WriteClose starts the close handshake with code, or 1001 while the
// gateway shuts down (gqlgen closes with 1000 when a connection's context
// ends).
func (c *wsConn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.stopDeadlineLocked()
	c.mu.Unlock()
	if c.s.shuttingDown() {
		code, reason = int(websocket.StatusGoingAway), errShuttingDown.Error()
	}
	go func() {
		defer c.done()
		_ = c.conn.Close(websocket.StatusCode(code), reason)
	}()
	return nil
}

func (c *wsConn) Close() error {
	c.mu.Lock()
	closing := c.closing
	c.closing = true
	c.stopDeadlineLocked()
	c.mu.Unlock()
	if closing { // the handshake owns the connection
		return nil
	}
	defer c.done()
	return c.conn.CloseNow()
}

func (c *wsConn) Subprotocol() string      { return c.conn.Subprotocol() }
func (c *wsConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline closes the connection at t unless moved again: gqlgen
// sets it while it waits for a pong.
func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopDeadlineLocked()
	if t.IsZero() || c.closing {
		return nil
	}
	c.deadline = time.AfterFunc(time.Until(t), func() { _ = c.conn.CloseNow() })
	return nil
}

func (c *wsConn) stopDeadlineLocked() {
	if c.deadline != nil {
		c.deadline.Stop()
		c.deadline = nil
	}
}
