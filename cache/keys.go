package cache

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Store keys put their hash in a Redis Cluster hash tag, so an entry and
// its lease live in one slot, and lead with it, so nothing after it can
// be read as a tag:
//
//	<prefix>{<hash of scope, key, namespace, generation>}:<operation>
//	<prefix>{<hash of scope, key, namespace, generation>}:<operation>:lease
//	<prefix>{<hash of namespace>}:gen
//	<prefix>{<hash of a GraphQL request>}:result   (Results)
//
// Hashing keeps keys short whatever the request, and keeps request
// parameters out of Redis key names.

// entryKey is the store key of req's entry in its namespace's current
// generation (which costs a store read when req has a namespace), and
// that generation.
func (c *Cache) entryKey(ctx context.Context, req *Request) (string, []byte, error) {
	var gen []byte
	if req.Namespace != "" {
		var err error
		if gen, err = c.generation(ctx, req.Namespace); err != nil {
			return "", nil, err
		}
	}
	var stack [512]byte
	b := stack[:0]
	for _, part := range [...]string{req.Scope, req.Key, req.Namespace} {
		b = binary.AppendUvarint(b, uint64(len(part)))
		b = append(b, part...)
	}
	b = binary.AppendUvarint(b, uint64(len(gen)))
	b = append(b, gen...)
	return c.hashedKey(b, req.Operation), gen, nil
}

// Current reports whether every dep's namespace is still at the dep's
// generation: whether what was built from their entries is still valid.
// A store that cannot say, or a namespace whose generation is gone, is
// not current. It reads the store once per dep.
func (c *Cache) Current(ctx context.Context, deps []Dep) bool {
	for _, d := range deps {
		g, ok, err := c.store.Get(ctx, c.genKey(d.Namespace))
		if err != nil || !ok || string(g) != string(d.Generation) {
			return false
		}
	}
	return true
}

func (c *Cache) genKey(namespace string) string {
	return c.hashedKey([]byte(namespace), "gen")
}

func (c *Cache) hashedKey(material []byte, suffix string) string {
	sum := sha256.Sum256(material)
	var h [32]byte
	hex.Encode(h[:], sum[:16])
	return c.prefix + "{" + string(h[:]) + "}:" + suffix
}

// generation returns namespace's current generation. A namespace without
// one (never bumped, or its key expired or was evicted) gets a new random
// one: a generation never goes back to a value entries were stored under.
func (c *Cache) generation(ctx context.Context, namespace string) ([]byte, error) {
	key := c.genKey(namespace)
	for range 2 {
		g, ok, err := c.store.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		if ok {
			return g, nil
		}
		g = newGeneration()
		added, err := c.store.Add(ctx, key, g, c.genTTL)
		if err != nil {
			return nil, err
		}
		if added {
			return g, nil
		}
		// another caller created it first: read theirs
	}
	return nil, ErrStoreUnavailable
}

func newGeneration() []byte {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return b
}
