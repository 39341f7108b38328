package cache

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCodecRoundTrip(t *testing.T) {
	c := newCodec(1024)
	at := time.UnixMilli(1_772_000_000_123)
	for _, tc := range []struct {
		name     string
		value    []byte
		deflated bool
	}{
		{"empty", nil, false},
		{"small", []byte(`{"id":"abc"}`), false},
		{"large compressible", []byte(strings.Repeat(`{"id":"abc","type":"account"},`, 500)), true},
		{"large incompressible", noise(4096), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := entry{storedAt: at, freshUntil: at.Add(time.Minute), revalidateUntil: at.Add(2 * time.Minute), staleUntil: at.Add(time.Hour), value: tc.value}
			b, err := c.encode(&in)
			if err != nil {
				t.Fatal(err)
			}
			if got := b[1]&flagDeflated != 0; got != tc.deflated {
				t.Fatalf("deflated = %v, want %v", got, tc.deflated)
			}
			if tc.deflated && len(b) >= len(tc.value)/4 {
				t.Fatalf("stored %d bytes for %d of repetitive JSON", len(b), len(tc.value))
			}
			if !tc.deflated && len(b) > len(tc.value)+maxHeaderSize {
				t.Fatalf("stored %d bytes for %d raw: header too big", len(b), len(tc.value))
			}
			out, err := c.decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.value, tc.value) || !out.storedAt.Equal(in.storedAt) || !out.freshUntil.Equal(in.freshUntil) ||
				!out.revalidateUntil.Equal(in.revalidateUntil) || !out.staleUntil.Equal(in.staleUntil) {
				t.Fatalf("round trip changed the entry: %+v", out)
			}
		})
	}
}

func TestCodecRejectsCorruptEntries(t *testing.T) {
	c := newCodec(0)
	at := time.UnixMilli(1_772_000_000_000)
	good, err := c.encode(&entry{storedAt: at, freshUntil: at, revalidateUntil: at, staleUntil: at, value: append([]byte(strings.Repeat("abc", 1000)), noise(1000)...)})
	if err != nil {
		t.Fatal(err)
	}
	if good[1]&flagDeflated == 0 {
		t.Fatal("test value was not deflated")
	}
	for name, b := range map[string][]byte{
		"empty":         nil,
		"version":       append([]byte{9}, good[1:]...),
		"truncated":     good[:4],
		"short deflate": good[:len(good)/2],
	} {
		if _, err := c.decode(b); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: decode error = %v, want errCorrupt", name, err)
		}
	}
	if _, err := c.encode(&entry{storedAt: at, freshUntil: at.Add(-time.Second), revalidateUntil: at, staleUntil: at}); err == nil {
		t.Error("deadlines before the store time were encoded")
	}
}

func noise(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
