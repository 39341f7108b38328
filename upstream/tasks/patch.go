package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// PatchOp is one JSON Patch operation (RFC 6902) on a task status, as the
// spec's JsonPatchOperation has it: op, path and, for add, replace and
// test, a value. The schema has no "from", so move and copy cannot be
// expressed and are refused.
type PatchOp struct {
	Op    string `json:"op"` // add, remove, replace or test
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Replace is the patch operation that sets path to v.
func Replace(path string, v any) PatchOp { return PatchOp{Op: "replace", Path: path, Value: v} }

// The JSON Patch document is checked against what updateTaskStatus
// documents before it is sent, so that no request the tenant must refuse,
// and none the spec's schema rejects, leaves the gateway:
//
//   - op is one of the schema's enum; move and copy need a "from" the
//     schema does not have.
//   - path is a JSON Pointer (RFC 6901) to a field of the TaskStatus
//     schema. add, replace and remove reach the fields the operation exists
//     to change (it "clears a pending task by updating the completionStatus
//     and completed attributes"): the status fields below, and the task's
//     attributes, whole or one by name. What identifies the task or what it
//     records by itself (id, type, created, messages, ...) only test reads.
//   - value is one the schema's oneOf allows (a string, a boolean, an
//     integer, an object, or an array of strings, integers and objects:
//     no null, no fraction) and one the TaskStatus schema allows at the
//     path (a string for /progress, an enum value for /completionStatus,
//     a date-time for /completed, 0..100 for /percentComplete).

// patchField is what add and replace may set at one top-level path, and
// whether remove may take it away (only the nullable fields).
type patchField struct {
	check  func(v any) error // v as decoded with json.Number
	remove bool
}

var patchFields = map[string]patchField{
	"completionStatus": {check: completionStatusValue, remove: true},
	"completed":        {check: dateTimeValue, remove: true},
	"progress":         {check: stringValue, remove: true},
	"percentComplete":  {check: percentValue},
	"description":      {check: stringValue},
	"attributes":       {check: objectValue},
}

// taskProperties are the TaskStatus schema's properties: the paths test
// may read.
var taskProperties = []string{
	"id", "type", "uniqueName", "description", "parentName", "launcher", "target",
	"created", "modified", "launched", "completed", "completionStatus", "messages",
	"returns", "attributes", "progress", "percentComplete", "taskDefinitionSummary",
}

// checkPatch checks ops (see above) and returns them with each value in
// its canonical JSON form (an integer written 4.0 or 4e0 is sent as 4), so
// that what is sent is exactly what was checked. ops is not changed.
func checkPatch(ops []PatchOp) ([]PatchOp, error) {
	if len(ops) == 0 {
		return nil, isc.Invalid("body", "at least one patch operation is needed")
	}
	out := make([]PatchOp, len(ops))
	for i, o := range ops {
		c, err := checkPatchOp(o)
		if err != nil {
			return nil, isc.Invalid("body", "operation %d (%s %s): %s", i, o.Op, o.Path, err)
		}
		out[i] = c
	}
	return out, nil
}

func checkPatchOp(o PatchOp) (PatchOp, error) {
	switch o.Op {
	case "add", "replace", "test":
		if o.Value == nil {
			return o, errors.New("needs a value")
		}
	case "remove":
	case "move", "copy":
		return o, fmt.Errorf("%s needs a \"from\", which the task status update does not take (supported: add, remove, replace, test)", o.Op)
	default:
		return o, errors.New("op must be one of add, remove, replace, test")
	}
	segs, err := splitPointer(o.Path)
	if err != nil {
		return o, err
	}
	var v any
	if o.Value != nil {
		raw, err := canonicalValue(o.Value)
		if err != nil {
			return o, err
		}
		o.Value = raw
		v, _ = decode(raw) // canonicalValue decoded it already
	}
	if o.Op == "test" {
		if !slices.Contains(taskProperties, segs[0]) {
			return o, fmt.Errorf("a task status has no field %q", segs[0])
		}
		return o, nil
	}
	if segs[0] == "attributes" && len(segs) == 2 {
		return o, nil // one attribute: any value the schema allows
	}
	f, ok := patchFields[segs[0]]
	if !ok || len(segs) != 1 {
		return o, fmt.Errorf("path cannot be changed (changeable: %s, /attributes/<name>)", changeablePaths())
	}
	if o.Op == "remove" {
		if !f.remove {
			return o, fmt.Errorf("%s cannot be removed: a task status always has it", segs[0])
		}
		return o, nil
	}
	if err := f.check(v); err != nil {
		return o, fmt.Errorf("%s %w", segs[0], err)
	}
	return o, nil
}

// splitPointer reads a JSON Pointer (RFC 6901) to a field of the task:
// "/" followed by segments, "~0" and "~1" escaping "~" and "/". A pointer
// to the whole document ("" or "/") changes nothing a patch may change.
func splitPointer(p string) ([]string, error) {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return nil, errors.New("path must be a JSON Pointer such as /completionStatus")
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		for j := 0; j < len(s); j++ {
			if s[j] == '~' && (j+1 == len(s) || (s[j+1] != '0' && s[j+1] != '1')) {
				return nil, errors.New("path has a \"~\" that is neither ~0 nor ~1")
			}
		}
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	if segs[0] == "" {
		return nil, errors.New("path must name a field of the task, such as /completionStatus")
	}
	return segs, nil
}

func changeablePaths() string {
	out := make([]string, 0, len(patchFields))
	for k := range patchFields {
		out = append(out, "/"+k)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// canonicalValue checks v against the schema's value (oneOf string,
// boolean, integer, object, array of string|integer|object) and returns
// its JSON, with integers written as integers.
func canonicalValue(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value is not JSON: %w", err)
	}
	d, err := decode(b)
	if err != nil {
		return nil, err
	}
	switch x := d.(type) {
	case nil:
		return nil, errors.New("value must not be null (remove clears a field)")
	case json.Number:
		n, err := integer(x)
		if err != nil {
			return nil, err
		}
		d = n
	case []any:
		for i, e := range x {
			switch y := e.(type) {
			case string, map[string]any:
			case json.Number:
				n, err := integer(y)
				if err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
				x[i] = n
			default:
				return nil, fmt.Errorf("item %d of the value is %s; a list may hold strings, integers and objects", i, kind(e))
			}
		}
	}
	if err := finite(d); err != nil {
		return nil, err
	}
	return json.Marshal(d)
}

// decode reads JSON keeping numbers as written.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("value is not JSON: %w", err)
	}
	return v, nil
}

// integer reads a number the schema's "integer" accepts, within int64.
func integer(n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("value %s is not an integer (the value may be a string, a boolean, an integer, an object or a list)", n)
	}
	return int64(f), nil
}

// finite checks that every number in v, however deep, is one JSON readers
// agree on (a float64): 1e999 is JSON text no decoder can hold.
func finite(v any) error {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return fmt.Errorf("number %s is out of range", x)
		}
	case map[string]any:
		for _, e := range x {
			if err := finite(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := finite(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, int64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

func stringValue(v any) error {
	if _, ok := v.(string); !ok {
		return fmt.Errorf("takes a string, not %s", kind(v))
	}
	return nil
}

func objectValue(v any) error {
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("takes an object, not %s", kind(v))
	}
	return nil
}

// completionStatusValue accepts the TaskStatus enum in any case (the
// spec's own example sends "Error").
func completionStatusValue(v any) error {
	s, ok := v.(string)
	names := make([]string, len(completionStatuses))
	for i, c := range completionStatuses {
		if ok && strings.EqualFold(s, string(c)) {
			return nil
		}
		names[i] = string(c)
	}
	return fmt.Errorf("takes one of %s, not %s", strings.Join(names, ", "), describe(v))
}

func dateTimeValue(v any) error {
	s, ok := v.(string)
	if ok {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("takes an RFC 3339 date-time such as 2024-05-17T19:33:16.470Z, not %s", describe(v))
}

func percentValue(v any) error {
	n, ok := v.(json.Number)
	if ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= 0 && i <= 100 {
			return nil
		}
	}
	return fmt.Errorf("takes an integer from 0 to 100, not %s", describe(v))
}

// describe renders a value for a message, briefly.
func describe(v any) string {
	if s, ok := v.(string); ok && len(s) <= 40 {
		return strconv.Quote(s)
	}
	if n, ok := v.(json.Number); ok && len(n) <= 40 {
		return string(n)
	}
	return kind(v)
}
