package isc

import (
	"errors"
	"strings"
	"testing"
)

type field string

var spec = map[field]FieldSpec{
	"id":               {Kind: StringValue, Ops: []Op{OpEq, OpIn}},
	"completionStatus": {Kind: StringValue, Ops: []Op{OpEq, OpIn, OpIsNull}},
	"standalone":       {Kind: BoolValue, Ops: []Op{OpEq}},
}

func TestFilterEncode(t *testing.T) {
	cases := []struct {
		f    Filter[field]
		want string
	}{
		{nil, ""},
		{And(Eq(field("id"), Str("abc"))), `id eq "abc"`},
		{And(In(field("id"), Str("a"), Str(`b"c\d`))), `id in ("a","b\"c\\d")`},
		{And(IsNull(field("completionStatus")), Eq(field("standalone"), Bool(true))), `completionStatus isnull and standalone eq true`},
	}
	for _, tc := range cases {
		got, err := tc.f.Encode(spec)
		if err != nil || got != tc.want {
			t.Errorf("Encode = %q, %v; want %q", got, err, tc.want)
		}
	}
}

func TestFilterRejectsWhatTheSpecDoesNotDocument(t *testing.T) {
	cases := map[string]Filter[field]{
		"unknown field":   And(Eq(field("name"), Str("x"))),
		"unsupported op":  And(In(field("standalone"), Bool(true))),
		"isnull not here": And(IsNull(field("id"))),
		"wrong kind":      And(Eq(field("standalone"), Str("true"))),
		"empty in":        And(In(field("id"))),
		"zero value":      And(Eq(field("id"), Value{})),
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.Encode(spec)
			var ae *ArgumentError
			if !errors.Is(err, ErrBadRequest) || !errors.As(err, &ae) || ae.Param != "filters" {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestEncodeSorters(t *testing.T) {
	got, err := EncodeSorters([]Sort[field]{Desc(field("created")), Asc(field("name"))}, "created", "name")
	if err != nil || got != "-created,name" {
		t.Fatalf("EncodeSorters = %q, %v", got, err)
	}
	_, err = EncodeSorters([]Sort[field]{Asc(field("modified"))}, "created")
	var ae *ArgumentError
	if !errors.As(err, &ae) || ae.Param != "sorters" || !strings.Contains(ae.Reason, "created") {
		t.Fatalf("err = %v", err)
	}
}

// A value's text is what was given, whatever quoting the grammar needs.
func TestValueText(t *testing.T) {
	for _, v := range []struct {
		v    Value
		text string
		kind ValueKind
	}{{Str(`say "hi" \ bye`), `say "hi" \ bye`, StringValue}, {Str(""), "", StringValue}, {Bool(true), "true", BoolValue}, {Bool(false), "false", BoolValue}} {
		if v.v.Text() != v.text || v.v.Kind() != v.kind {
			t.Errorf("%q: text %q kind %v, want %q %v", v.v.lit, v.v.Text(), v.v.Kind(), v.text, v.kind)
		}
	}
}
