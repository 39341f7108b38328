package isc

import (
	"container/list"
	"context"
	"encoding/json"
	"reflect"
	"sync"
)

// Identified is what a response body served from the gateway's cache
// offers: the name of the stored answer it reads (equal names, equal
// bytes). Bodies from the network have none.
type Identified interface {
	CacheIdentity() string
}

// DecodedCache keeps typed values decoded (and converted) from answers the
// cache stored, by the stored answer's identity and the value's type, so
// that a query sharing upstream calls with an earlier one does not decode
// the same JSON again. It holds only values of stored answers, is bounded
// by the bytes of the JSON they came from, and is safe for concurrent use.
// The values are shared: callers must not change them.
type DecodedCache struct {
	max int

	mu    sync.Mutex
	size  int
	items map[decodedKey]*list.Element // of *decodedItem
	lru   list.List                    // front: most recently used
}

// decodedKey is a stored answer's identity and the type decoded from it.
type decodedKey struct {
	id  string
	typ reflect.Type
}

type decodedItem struct {
	key  decodedKey
	val  any
	size int
}

// NewDecodedCache returns a cache bounded by maxBytes of source JSON
// (default 16 MiB).
func NewDecodedCache(maxBytes int) *DecodedCache {
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	return &DecodedCache{max: maxBytes, items: map[decodedKey]*list.Element{}}
}

func (d *DecodedCache) get(key decodedKey) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	el, ok := d.items[key]
	if !ok {
		return nil, false
	}
	d.lru.MoveToFront(el)
	return el.Value.(*decodedItem).val, true
}

func (d *DecodedCache) put(key decodedKey, val any, size int) {
	if size > d.max/4 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.items[key]; ok {
		d.lru.MoveToFront(el)
		return
	}
	d.items[key] = d.lru.PushFront(&decodedItem{key: key, val: val, size: size})
	d.size += size
	for d.size > d.max {
		el := d.lru.Back()
		it := el.Value.(*decodedItem)
		d.lru.Remove(el)
		delete(d.items, it.key)
		d.size -= it.size
	}
}

// WithDecodedCache shares d between clients (default: none).
func WithDecodedCache(d *DecodedCache) Option {
	return func(c *Client) { c.decoded = d }
}

// Decode sends call and turns its 2xx JSON answer into a T with conv
// (which decodes the body and converts what it decodes). When the answer
// came stored from the cache, conv runs once per stored answer: the value
// is kept in the client's DecodedCache and handed to later callers as it
// is, so they must not change it.
func Decode[T any](ctx context.Context, c *Client, call Call, conv func(body []byte, meta Meta) (T, error)) (T, error) {
	var zero T
	resp, meta, err := c.open(ctx, call)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	var key decodedKey
	if id, ok := resp.Body.(Identified); ok && c.decoded != nil {
		key = decodedKey{id: id.CacheIdentity(), typ: reflect.TypeFor[T]()}
		if v, ok := c.decoded.get(key); ok {
			return v.(T), nil
		}
	}
	body, err := c.readBody(ctx, call.Op.Name, resp)
	if err != nil {
		return zero, err
	}
	v, err := conv(body, meta)
	if err != nil {
		return zero, err
	}
	if key.id != "" {
		c.decoded.put(key, v, len(body))
	}
	return v, nil
}

// DecodeList is Decode for a list operation: the answer is a JSON array
// of W, converted to a Page of T by conv (nil: W is T).
func DecodeList[W, T any](ctx context.Context, c *Client, call Call, conv func([]W) ([]T, error)) (Page[T], error) {
	return Decode(ctx, c, call, func(body []byte, meta Meta) (Page[T], error) {
		var ws []W
		if len(body) > 0 {
			if err := json.Unmarshal(body, &ws); err != nil {
				return Page[T]{}, Breach(call.Op.Name, err, "decode %T", ws)
			}
		}
		var items []T
		if conv == nil {
			items = any(ws).([]T)
		} else {
			var err error
			if items, err = conv(ws); err != nil {
				return Page[T]{}, err
			}
		}
		return Page[T]{Items: items, Total: meta.Total, HasTotal: meta.HasTotal}, nil
	})
}
