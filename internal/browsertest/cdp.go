package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// message is one frame of the DevTools protocol: a command (ID, Method,
// Params), its answer (ID, Result or Error) or an event (Method, Params).
// SessionID names the page a command is for or an event came from.
type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *ProtocolError  `json:"error,omitempty"`
}

// ProtocolError is the browser's refusal of a command.
type ProtocolError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("devtools: %s (%d)", e.Message, e.Code)
}

// errClosed is returned by calls on a connection that has stopped.
var errClosed = errors.New("devtools: connection closed")

// conn is one websocket to the browser, shared by its pages (flat
// sessions): calls wait for their answer, events go to their session's
// handler.
type conn struct {
	ws *websocket.Conn

	mu       sync.Mutex
	nextID   int64
	pending  map[int64]chan message
	handlers map[string]func(method string, params json.RawMessage) // by session id
	err      error                                                  // why the connection stopped
	done     chan struct{}
}

func newConn(ws *websocket.Conn) *conn {
	ws.SetReadLimit(256 << 20) // screenshots arrive as one base64 message
	c := &conn{
		ws:       ws,
		pending:  map[int64]chan message{},
		handlers: map[string]func(string, json.RawMessage){},
		done:     make(chan struct{}),
	}
	go c.readLoop()
	return c
}

func (c *conn) readLoop() {
	var err error
	defer func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	}()
	for {
		var data []byte
		if _, data, err = c.ws.Read(context.Background()); err != nil {
			return
		}
		var m message
		if err = json.Unmarshal(data, &m); err != nil {
			err = fmt.Errorf("devtools: undecodable message: %w", err)
			return
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch, ok := c.pending[m.ID]; ok {
				delete(c.pending, m.ID)
				ch <- m // buffered
			}
		} else if h := c.handlers[m.SessionID]; h != nil {
			h(m.Method, m.Params) // handlers only record: they do not block
		}
		c.mu.Unlock()
	}
}

// call sends method with params to session ("" for the browser) and
// decodes the answer's result into result, if not nil.
func (c *conn) call(ctx context.Context, session, method string, params, result any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	if params == nil {
		raw = nil
	}
	ch := make(chan message, 1)
	c.mu.Lock()
	if c.err != nil || isClosed(c.done) {
		c.mu.Unlock()
		return errClosed
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	frame, err := json.Marshal(message{ID: id, Method: method, Params: raw, SessionID: session})
	if err != nil {
		return err
	}
	if err := c.ws.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("devtools: send %s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %w", method, m.Error)
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(m.Result, result); err != nil {
			return fmt.Errorf("devtools: %s: decode result: %w", method, err)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: %w", method, errClosed)
	case <-ctx.Done():
		return fmt.Errorf("devtools: %s: %w", method, ctx.Err())
	}
}

// handle routes session's events to h (nil stops them). h runs on the
// read loop and must not block or call the connection.
func (c *conn) handle(session string, h func(method string, params json.RawMessage)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == nil {
		delete(c.handlers, session)
		return
	}
	c.handlers[session] = h
}

func (c *conn) close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
