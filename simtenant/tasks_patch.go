package simtenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// patchOp is one JSON Patch (RFC 6902) operation.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"` // nil when absent, "null" when null
	From  string          `json:"from"`
}

// decodeJSONPatch reads a JSON Patch document and checks each operation's
// shape; what an operation may change is checked when it is applied.
func decodeJSONPatch(r io.Reader) ([]patchOp, *apiError) {
	dec := json.NewDecoder(r)
	var ops []patchOp
	if err := dec.Decode(&ops); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, badRequest("the JSON Patch document is larger than %d bytes", tooBig.Limit)
		}
		return nil, badRequest("the request body is not a JSON Patch array of operations: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("the request body has data after the JSON Patch array")
	}
	if ops == nil {
		return nil, badRequest("the request body must be a JSON Patch array, got null")
	}
	for i, op := range ops {
		switch op.Op {
		case "add", "replace", "test":
			if op.Value == nil {
				return nil, badRequest("operation %d (%s %s) needs a value", i, op.Op, op.Path)
			}
		case "remove":
		case "move", "copy":
			return nil, badRequest("operation %d: %q is not supported on a task status (supported: add, remove, replace, test)", i, op.Op)
		default:
			return nil, badRequest("operation %d: op must be one of add, remove, replace, move, copy, test, got %q", i, op.Op)
		}
		if !strings.HasPrefix(op.Path, "/") {
			return nil, badRequest("operation %d: path must be a JSON Pointer such as /completionStatus, got %q", i, op.Path)
		}
	}
	return ops, nil
}

// applyTaskPatch applies ops to ts in order; ts is a copy that is thrown
// away when an operation fails. A task given a completion status without
// a completion date is completed now, and every patch touches modified.
func applyTaskPatch(ts *task, ops []patchOp, now time.Time) *apiError {
	for i, op := range ops {
		if err := applyTaskOp(ts, op); err != nil {
			err.text = "operation " + strconv.Itoa(i) + " (" + op.Op + " " + op.Path + "): " + err.text
			return err
		}
	}
	if ts.completionStatus != nil && ts.completed == nil {
		ts.completed = &now
	}
	ts.modified = &now
	return nil
}

func applyTaskOp(ts *task, op patchOp) *apiError {
	segs := splitPointer(op.Path)
	if op.Op == "test" {
		return testTaskValue(ts, segs, op.Value)
	}
	if len(segs) == 2 && segs[0] == "attributes" {
		return patchTaskAttribute(ts, op, segs[1])
	}
	f, ok := taskPatchFields[segs[0]]
	if !ok || len(segs) != 1 {
		return badRequest("path cannot be patched (patchable: %s, /attributes/<name>)", strings.Join(taskPatchablePaths(), ", "))
	}
	if op.Op == "remove" {
		if f.remove == nil {
			return badRequest("%s is required and cannot be removed", segs[0])
		}
		f.remove(ts)
		return nil
	}
	v, err := decodePatchValue(op.Value)
	if err != nil {
		return err
	}
	return f.set(ts, v)
}

// taskPatchField says how one top-level field of a task is patched.
type taskPatchField struct {
	set    func(ts *task, v any) *apiError // add and replace; numbers arrive as json.Number
	remove func(ts *task)                  // nil when the field is required
}

var taskPatchFields = map[string]taskPatchField{
	"completionStatus": {
		set: func(ts *task, v any) *apiError {
			if v == nil {
				ts.completionStatus = nil
				return nil
			}
			s, ok := v.(string)
			i := slices.IndexFunc(taskCompletionStatuses, func(c string) bool { return strings.EqualFold(c, s) })
			if !ok || i < 0 {
				return badRequest("completionStatus must be one of %s or null, got %s", strings.Join(taskCompletionStatuses, ", "), describeJSON(v))
			}
			status := taskCompletionStatuses[i]
			ts.completionStatus = &status
			return nil
		},
		remove: func(ts *task) { ts.completionStatus = nil },
	},
	"completed": {
		set: func(ts *task, v any) *apiError {
			t, err := patchTime("completed", v)
			if err != nil {
				return err
			}
			ts.completed = t
			return nil
		},
		remove: func(ts *task) { ts.completed = nil },
	},
	"progress": {
		set: func(ts *task, v any) *apiError {
			if v == nil {
				ts.progress = nil
				return nil
			}
			s, ok := v.(string)
			if !ok {
				return badRequest("progress must be a string or null, got %s", describeJSON(v))
			}
			ts.progress = &s
			return nil
		},
		remove: func(ts *task) { ts.progress = nil },
	},
	"percentComplete": {
		set: func(ts *task, v any) *apiError {
			n, ok := v.(json.Number)
			p, err := strconv.Atoi(string(n))
			if !ok || err != nil || p < 0 || p > 100 {
				return badRequest("percentComplete must be an integer from 0 to 100, got %s", describeJSON(v))
			}
			ts.percentComplete = p
			return nil
		},
	},
	"description": {
		set: func(ts *task, v any) *apiError {
			s, ok := v.(string)
			if !ok {
				return badRequest("description must be a string, got %s", describeJSON(v))
			}
			ts.description = s
			return nil
		},
	},
	"attributes": {
		set: func(ts *task, v any) *apiError {
			m, ok := v.(map[string]any)
			if !ok {
				return badRequest("attributes must be an object, got %s", describeJSON(v))
			}
			ts.attributes = m
			return nil
		},
	},
}

func taskPatchablePaths() []string {
	out := make([]string, 0, len(taskPatchFields))
	for k := range taskPatchFields {
		out = append(out, "/"+k)
	}
	slices.Sort(out)
	return out
}

// patchTaskAttribute handles add, replace and remove on /attributes/name.
func patchTaskAttribute(ts *task, op patchOp, name string) *apiError {
	_, exists := ts.attributes[name]
	switch {
	case op.Op == "remove" && !exists, op.Op == "replace" && !exists:
		return badRequest("attribute %q does not exist", name)
	case op.Op == "remove":
		delete(ts.attributes, name)
		return nil
	}
	v, err := decodePatchValue(op.Value)
	if err != nil {
		return err
	}
	if ts.attributes == nil {
		ts.attributes = map[string]any{}
	}
	ts.attributes[name] = v
	return nil
}

// testTaskValue is the test operation: the value at the path, as the
// TaskStatus is answered, must equal want.
func testTaskValue(ts *task, segs []string, want json.RawMessage) *apiError {
	b, err := json.Marshal(ts.wire())
	if err != nil {
		return badRequest("cannot encode the task: %v", err)
	}
	var doc, w any
	if err := json.Unmarshal(b, &doc); err != nil {
		return badRequest("cannot decode the task: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return badRequest("value is not JSON: %v", err)
	}
	for _, s := range segs {
		m, ok := doc.(map[string]any)
		if !ok {
			return badRequest("test failed: no value at the path")
		}
		if doc, ok = m[s]; !ok {
			return badRequest("test failed: no value at the path")
		}
	}
	if !reflect.DeepEqual(doc, w) {
		return badRequest("test failed: the value at the path is %s", describeJSON(doc))
	}
	return nil
}

// splitPointer splits a JSON Pointer (RFC 6901) into unescaped segments.
func splitPointer(p string) []string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs
}

func decodePatchValue(raw json.RawMessage) (any, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("value is not JSON: %v", err)
	}
	return v, nil
}

func patchTime(field string, v any) (*time.Time, *apiError) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, badRequest("%s must be a date-time string or null, got %s", field, describeJSON(v))
	}
	t, err := parseTime(field, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// describeJSON renders a decoded JSON value for an error message.
func describeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return "a value of another type"
	}
	return string(b)
}
