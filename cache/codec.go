package cache

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// entry is one stored answer with its deadlines.
type entry struct {
	storedAt        time.Time
	freshUntil      time.Time // served as is before this
	revalidateUntil time.Time // served at once, refreshed in the background, before this
	staleUntil      time.Time // served instead of an upstream failure before this
	value           []byte
}

// age is how old the entry is at now.
func (e *entry) age(now time.Time) time.Duration { return max(0, now.Sub(e.storedAt)) }

// The stored form of an entry is a small binary header and the value,
// deflated when that pays:
//
//	byte     version (1)
//	byte     flags (bit 0: value is deflated)
//	uvarint  stored at, Unix milliseconds
//	uvarint  fresh for, ms after stored at
//	uvarint  revalidate for, ms after fresh until
//	uvarint  stale for, ms after fresh until
//	uvarint  raw value length (only when deflated)
//	...      value
const (
	codecVersion  = 1
	flagDeflated  = 1 << 0
	maxHeaderSize = 2 + 5*binary.MaxVarintLen64
	// maxRawBytes bounds a deflated value's inflated size, so that a
	// corrupt or hostile entry cannot make a reader allocate without limit.
	maxRawBytes = 64 << 20
)

var errCorrupt = errors.New("cache: corrupt entry")

// codec encodes entries, deflating values above a threshold. Its pools
// keep deflate state between calls: a flate writer costs ~1 MB to build.
type codec struct {
	compressAbove int // deflate values longer than this; negative: never
	writers       sync.Pool
	readers       sync.Pool
}

type inflater struct {
	src bytes.Reader
	r   io.ReadCloser
}

func newCodec(compressAbove int) *codec {
	return &codec{compressAbove: compressAbove}
}

// encode returns the stored form of e.
func (c *codec) encode(e *entry) ([]byte, error) {
	if len(e.value) > maxRawBytes {
		return nil, ErrTooLarge
	}
	stored := e.storedAt.UnixMilli()
	fresh := e.freshUntil.UnixMilli()
	if stored < 0 || fresh < stored || e.revalidateUntil.Before(e.freshUntil) || e.staleUntil.Before(e.freshUntil) {
		return nil, fmt.Errorf("cache: entry deadlines out of order")
	}
	deflate := c.compressAbove >= 0 && len(e.value) > c.compressAbove
	out := make([]byte, 0, maxHeaderSize+len(e.value))
	out = append(out, codecVersion, 0)
	out = binary.AppendUvarint(out, uint64(stored))
	out = binary.AppendUvarint(out, uint64(fresh-stored))
	out = binary.AppendUvarint(out, uint64(e.revalidateUntil.UnixMilli()-fresh))
	out = binary.AppendUvarint(out, uint64(e.staleUntil.UnixMilli()-fresh))
	if !deflate {
		return append(out, e.value...), nil
	}
	head := len(out)
	out[1] |= flagDeflated
	out = binary.AppendUvarint(out, uint64(len(e.value)))
	buf := bytes.NewBuffer(out)
	w, _ := c.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(buf, flate.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		w.Reset(buf)
	}
	_, werr := w.Write(e.value)
	cerr := w.Close()
	c.writers.Put(w)
	if werr != nil || cerr != nil {
		return nil, errors.Join(werr, cerr)
	}
	out = buf.Bytes()
	if len(out)-head >= len(e.value) { // deflate did not pay: store raw
		out = append(out[:head], e.value...)
		out[1] &^= flagDeflated
	}
	return out, nil
}

// decode reads a stored entry. An uncompressed value aliases b.
func (c *codec) decode(b []byte) (entry, error) {
	var e entry
	if len(b) < 2 || b[0] != codecVersion {
		return e, errCorrupt
	}
	flags := b[1]
	rest := b[2:]
	var v [4]uint64
	for i := range v {
		x, n := binary.Uvarint(rest)
		if n <= 0 {
			return e, errCorrupt
		}
		v[i], rest = x, rest[n:]
	}
	stored := int64(v[0])
	fresh := stored + int64(v[1])
	e.storedAt = time.UnixMilli(stored)
	e.freshUntil = time.UnixMilli(fresh)
	e.revalidateUntil = time.UnixMilli(fresh + int64(v[2]))
	e.staleUntil = time.UnixMilli(fresh + int64(v[3]))
	if flags&flagDeflated == 0 {
		e.value = rest
		return e, nil
	}
	raw, n := binary.Uvarint(rest)
	if n <= 0 || raw > maxRawBytes {
		return e, errCorrupt
	}
	rest = rest[n:]
	inf, _ := c.readers.Get().(*inflater)
	if inf == nil {
		inf = &inflater{}
		inf.src.Reset(rest)
		inf.r = flate.NewReader(&inf.src)
	} else {
		inf.src.Reset(rest)
		if err := inf.r.(flate.Resetter).Reset(&inf.src, nil); err != nil {
			return e, err
		}
	}
	e.value = make([]byte, raw)
	_, err := io.ReadFull(inf.r, e.value)
	inf.src.Reset(nil) // do not pin the stored bytes in the pool
	c.readers.Put(inf)
	if err != nil {
		return entry{}, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return e, nil
}
