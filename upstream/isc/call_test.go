package isc

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	got, err := Expand("/beta/historical-identities/{id}/snapshots/{date}", "a b/c", "2024-03-01T13:00:00Z")
	if err != nil || got != "/beta/historical-identities/a%20b%2Fc/snapshots/2024-03-01T13:00:00Z" {
		t.Fatalf("Expand = %q, %v", got, err)
	}
	for _, params := range [][]string{{""}, {"."}, {".."}, {}, {"a", "b"}} {
		_, err := Expand("/beta/task-status/{id}", params...)
		var ae *ArgumentError
		if !errors.Is(err, ErrBadRequest) || !errors.As(err, &ae) {
			t.Errorf("Expand(%q) err = %v, want an *ArgumentError", params, err)
		}
	}
	var ae *ArgumentError
	if _, err := Expand("/beta/task-status/{id}", ""); !errors.As(err, &ae) || ae.Param != "id" {
		t.Fatalf("the error names %q, want id", ae.Param)
	}
}

func TestPaging(t *testing.T) {
	q := url.Values{}
	if err := (Paging{Limit: 250, Offset: 500, Count: true}).Apply(q); err != nil {
		t.Fatal(err)
	}
	if q.Encode() != "count=true&limit=250&offset=500" {
		t.Fatalf("query = %s", q.Encode())
	}
	q = url.Values{}
	if err := (Paging{}).Apply(q); err != nil || len(q) != 0 {
		t.Fatalf("zero paging sent %v, %v", q, err)
	}
	q = url.Values{}
	if err := (Paging{Offset: MaxOffset}).Apply(q); err != nil || q.Get("offset") != "2147483647" {
		t.Fatalf("the largest offset: %v, %v", q, err)
	}
	// The spec types offset as an int32.
	for _, p := range []Paging{{Limit: 251}, {Limit: -1}, {Offset: -1}, {Offset: MaxOffset + 1}} {
		var ae *ArgumentError
		if err := p.Validate(); !errors.Is(err, ErrBadRequest) || !errors.As(err, &ae) {
			t.Errorf("%+v: err = %v", p, err)
		}
	}
}

func TestSetStrings(t *testing.T) {
	q := url.Values{}
	vals := []string{"b", "a"}
	if err := SetStrings(q, "eventTypes", vals); err != nil || q.Encode() != "eventTypes=b&eventTypes=a" {
		t.Fatalf("query = %s, %v", q.Encode(), err)
	}
	vals[0] = "changed"
	if q.Get("eventTypes") != "b" {
		t.Fatal("the query shares the caller's slice")
	}
	if err := SetStrings(q, "none", nil); err != nil || q.Has("none") {
		t.Fatalf("no values sent %v, %v", q, err)
	}
	// "eventTypes=" breaks the spec: array parameters allow no empty value.
	var ae *ArgumentError
	if err := SetStrings(url.Values{}, "eventTypes", []string{"a", ""}); !errors.As(err, &ae) || ae.Param != "eventTypes" {
		t.Fatalf("an empty value: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Fri, 02 Jan 2026 03:00:00 GMT", 0, true}, // in the past
		{"99999999999", 24 * time.Hour, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 7, 1, 5, 0, 0, 0, time.UTC)
	for _, s := range []string{"2024-07-01T05:00:00Z", "2024-07-01T05:00:00.00Z", "2024-07-01T05:00:00.000Z", "2024-07-01T07:00:00+02:00", "2024-07-01T05:00:00"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseTime("July 1st"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("malformed date: %v", err)
	}
	if p, err := ParseOptionalTime(""); p != nil || err != nil {
		t.Fatalf("ParseOptionalTime(\"\") = %v, %v", p, err)
	}
	if FormatTime(time.Date(2024, 3, 1, 14, 0, 0, 0, time.FixedZone("CET", 3600))) != "2024-03-01T13:00:00Z" {
		t.Fatal("FormatTime does not write UTC")
	}
}
