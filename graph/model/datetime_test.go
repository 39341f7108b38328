package model

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestDateTime(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2024-03-01T13:00:00Z", time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)},
		{"2024-03-01T13:00:00.250Z", time.Date(2024, 3, 1, 13, 0, 0, 250e6, time.UTC)},
		{"2024-03-01T15:00:00+02:00", time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)},
	} {
		got, err := UnmarshalDateTime(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("UnmarshalDateTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []any{"yesterday", "2024-03-01", "2024-13-01T00:00:00Z", "2024-03-01 13:00:00", 1709298000, nil} {
		_, err := UnmarshalDateTime(bad)
		var in *InputError
		if !errors.As(err, &in) {
			t.Errorf("UnmarshalDateTime(%v): err %v, want an InputError", bad, err)
		}
	}
	var b bytes.Buffer
	MarshalDateTime(time.Date(2024, 3, 1, 15, 0, 0, 5e6, time.FixedZone("x", 7200))).MarshalGQL(&b)
	if b.String() != `"2024-03-01T13:00:00.005Z"` {
		t.Fatalf("MarshalDateTime wrote %s", b.String())
	}
}
