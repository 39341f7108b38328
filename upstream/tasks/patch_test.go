package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/upstream/isc"
)

func TestCheckPatchAccepts(t *testing.T) {
	specs := spectest.Load(t)
	cases := []struct {
		op   PatchOp
		sent string // the value as sent
	}{
		{Replace("/completionStatus", "Error"), `"Error"`},
		{Replace("/completionStatus", "TEMPERROR"), `"TEMPERROR"`},
		{Replace("/completed", "2024-05-17T19:33:16.470Z"), `"2024-05-17T19:33:16.470Z"`},
		{Replace("/completed", "2024-05-17T21:33:16+02:00"), `"2024-05-17T21:33:16+02:00"`},
		{Replace("/progress", ""), `""`},
		{Replace("/percentComplete", 40), `40`},
		{Replace("/percentComplete", 100.0), `100`},
		{Replace("/percentComplete", json.Number("4e1")), `40`},
		{Replace("/description", "a ~ b"), `"a ~ b"`},
		{Replace("/attributes", map[string]any{"n": 1.5, "deep": []any{nil, true}}), `{"deep":[null,true],"n":1.5}`},
		{PatchOp{Op: "add", Path: "/attributes/ticket", Value: []any{"a", 7, map[string]any{}}}, `["a",7,{}]`},
		{PatchOp{Op: "add", Path: "/attributes/a~1b~0c", Value: true}, `true`},
		{PatchOp{Op: "add", Path: "/attributes/", Value: json.Number("-9000000000")}, `-9000000000`},
		{PatchOp{Op: "remove", Path: "/attributes/ticket"}, ``},
		{PatchOp{Op: "remove", Path: "/completionStatus"}, ``},
		{PatchOp{Op: "remove", Path: "/progress"}, ``},
		{PatchOp{Op: "test", Path: "/id", Value: "abc"}, `"abc"`},
		{PatchOp{Op: "test", Path: "/target/name", Value: "Active Directory [source]"}, `"Active Directory [source]"`},
		{PatchOp{Op: "test", Path: "/messages", Value: []any{}}, `[]`},
	}
	for _, tc := range cases {
		in := []PatchOp{tc.op}
		before := reflect.ValueOf(tc.op.Value)
		copied := deepCopy(tc.op.Value)
		got, err := checkPatch(in)
		if err != nil {
			t.Errorf("%+v: %v", tc.op, err)
			continue
		}
		// Neither replaced nor changed in place (a list or map's items).
		if reflect.ValueOf(in[0].Value) != before || !reflect.DeepEqual(in[0].Value, copied) {
			t.Errorf("%+v: the caller's operation changed", tc.op)
		}
		var sent string
		if got[0].Value != nil {
			sent = string(got[0].Value.(json.RawMessage))
		}
		if sent != tc.sent {
			t.Errorf("%+v: sends %s, want %s", tc.op, sent, tc.sent)
		}
		if err := validateBody(t.Context(), specs, got); err != nil {
			t.Errorf("%+v: %v", tc.op, err)
		}
	}
}

// deepCopy copies the values a test gives a patch: maps, lists and raw
// JSON are copied all the way down.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case json.RawMessage:
		return slices.Clone(x)
	}
	return v
}

func TestCheckPatchRefuses(t *testing.T) {
	cases := map[string]struct {
		ops  []PatchOp
		want string
	}{
		"no operations":       {nil, "at least one"},
		"a path that is none": {[]PatchOp{Replace("/x", "y")}, "cannot be changed"},
		"a path that climbs":  {[]PatchOp{Replace("/../../x", "y")}, "cannot be changed"},
		"no pointer":          {[]PatchOp{Replace("progress", "y")}, "JSON Pointer"},
		"the whole task":      {[]PatchOp{Replace("/", map[string]any{})}, "must name a field"},
		"empty path":          {[]PatchOp{Replace("", "y")}, "JSON Pointer"},
		"a bad escape":        {[]PatchOp{Replace("/attributes/a~2", 1)}, "~0 nor ~1"},
		"a trailing tilde":    {[]PatchOp{Replace("/attributes/a~", 1)}, "~0 nor ~1"},
		"too deep":            {[]PatchOp{Replace("/attributes/a/b", 1)}, "cannot be changed"},
		"a field of its own":  {[]PatchOp{Replace("/id", "y")}, "cannot be changed"},
		"test on no field":    {[]PatchOp{{Op: "test", Path: "/nope", Value: 1}}, "no field"},
		"a fraction":          {[]PatchOp{Replace("/progress", 1.5)}, "not an integer"},
		"a list for progress": {[]PatchOp{Replace("/progress", []any{1})}, "progress takes a string"},
		"a number for status": {[]PatchOp{Replace("/completionStatus", 1)}, "completionStatus takes one of"},
		"an unknown status":   {[]PatchOp{Replace("/completionStatus", "Sideways")}, `not "Sideways"`},
		"not a date":          {[]PatchOp{Replace("/completed", "yesterday")}, "RFC 3339"},
		"a bare date":         {[]PatchOp{Replace("/completed", "2024-05-17")}, "RFC 3339"},
		"percent above 100":   {[]PatchOp{Replace("/percentComplete", 101)}, "0 to 100"},
		"percent negative":    {[]PatchOp{Replace("/percentComplete", -1)}, "0 to 100"},
		"percent as string":   {[]PatchOp{Replace("/percentComplete", "50")}, "0 to 100"},
		"attributes a list":   {[]PatchOp{Replace("/attributes", []any{})}, "takes an object"},
		"null":                {[]PatchOp{Replace("/progress", json.RawMessage("null"))}, "must not be null"},
		"no value":            {[]PatchOp{{Op: "add", Path: "/progress"}}, "needs a value"},
		"a boolean in a list": {[]PatchOp{Replace("/attributes/x", []any{true})}, "item 0"},
		"a list in a list":    {[]PatchOp{Replace("/attributes/x", []any{[]any{}})}, "item 0"},
		"null in a list":      {[]PatchOp{Replace("/attributes/x", []any{nil})}, "item 0"},
		"a fraction in list":  {[]PatchOp{Replace("/attributes/x", []any{2.5})}, "item 0"},
		"a huge number":       {[]PatchOp{Replace("/attributes/x", map[string]any{"n": json.Number("1e999")})}, "out of range"},
		"a huge integer":      {[]PatchOp{Replace("/attributes/x", 1e300)}, "not an integer"},
		"NaN":                 {[]PatchOp{Replace("/attributes/x", math.NaN())}, "not JSON"},
		"not JSON":            {[]PatchOp{Replace("/attributes/x", json.RawMessage("{"))}, "not JSON"},
		"a remove of a must":  {[]PatchOp{{Op: "remove", Path: "/percentComplete"}}, "cannot be removed"},
		"move":                {[]PatchOp{{Op: "move", Path: "/progress"}}, `needs a "from"`},
		"copy":                {[]PatchOp{{Op: "copy", Path: "/progress"}}, `needs a "from"`},
		"an unknown op":       {[]PatchOp{{Op: "merge", Path: "/progress", Value: "x"}}, "op must be one of"},
		"an op in capitals":   {[]PatchOp{{Op: "REPLACE", Path: "/progress", Value: "x"}}, "op must be one of"},
		"the second one":      {[]PatchOp{Replace("/progress", "ok"), Replace("/x", 1)}, "operation 1"},
		"a value on remove":   {[]PatchOp{{Op: "remove", Path: "/progress", Value: 0.5}}, "not an integer"},
	}
	for name, tc := range cases {
		_, err := checkPatch(tc.ops)
		var ae *isc.ArgumentError
		if !errors.As(err, &ae) || ae.Param != "body" || !errors.Is(err, isc.ErrBadRequest) || !strings.Contains(ae.Reason, tc.want) {
			t.Errorf("%s: err = %v; want an *isc.ArgumentError on body saying %q", name, err, tc.want)
		}
	}
}

// validateBody checks a patch as updateTaskStatus would send it against
// the spec's request body.
func validateBody(ctx context.Context, specs *spectest.Specs, ops []PatchOp) error {
	b, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, "http://tenant.example/beta/task-status/abc", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json-patch+json")
	_, err = specs.ValidateRequest(ctx, req)
	return err
}

// FuzzCheckPatch: whatever op, path and value a caller sends, a patch the
// client accepts passes the spec's request body schema, names a field of
// the TaskStatus schema, and is accepted again unchanged (what is sent is
// what was checked); a patch it refuses is an *isc.ArgumentError.
func FuzzCheckPatch(f *testing.F) {
	specs := spectest.Load(f)
	f.Fuzz(func(t *testing.T, opName, path, value string) {
		o := PatchOp{Op: opName, Path: path}
		if value != "" {
			if json.Valid([]byte(value)) {
				o.Value = json.RawMessage(value)
			} else {
				o.Value = value // a string value
			}
		}
		got, err := checkPatch([]PatchOp{o})
		if err != nil {
			var ae *isc.ArgumentError
			if !errors.As(err, &ae) || ae.Param != "body" {
				t.Fatalf("refused with %v, want an *isc.ArgumentError", err)
			}
			return
		}
		if err := validateBody(t.Context(), specs, got); err != nil {
			t.Fatalf("%+v accepted, but the spec refuses it: %v", o, err)
		}
		segs, err := splitPointer(got[0].Path)
		if err != nil || !slices.Contains(taskProperties, segs[0]) {
			t.Fatalf("%+v accepted for a path outside the TaskStatus schema", o)
		}
		again, err := checkPatch(got)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%+v: what is sent (%+v) checks as %+v, %v", o, got, again, err)
		}
	})
}
