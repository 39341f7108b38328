package tasks

import (
	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Field is a field getTaskStatusList filters on.
type Field string

// The filterable fields the spec documents.
const (
	FieldID               Field = "id"
	FieldSourceID         Field = "sourceId"
	FieldCompletionStatus Field = "completionStatus"
	FieldType             Field = "type"
)

// filterSpec is what getTaskStatusList documents: eq and in on each field,
// plus isnull on completionStatus, which the spec's deprecation notes for
// the pending-task operations name as their replacement.
var filterSpec = map[Field]isc.FieldSpec{
	FieldID:               {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq, isc.OpIn}},
	FieldSourceID:         {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq, isc.OpIn}},
	FieldCompletionStatus: {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq, isc.OpIn, isc.OpIsNull}},
	FieldType:             {Kind: isc.StringValue, Ops: []isc.Op{isc.OpEq, isc.OpIn}},
}

// SortField is a field getTaskStatusList sorts by.
type SortField string

// SortCreated is the one sortable field.
const SortCreated SortField = "created"

// ListParams are getTaskStatusList's parameters. Build Filter with
// isc.And(isc.In(tasks.FieldCompletionStatus, isc.Str("SUCCESS")), ...).
type ListParams struct {
	Filter isc.Filter[Field]
	Sort   []isc.Sort[SortField]
	isc.Paging
}

// PatchOp is one JSON Patch operation (RFC 6902) on a task status.
type PatchOp struct {
	Op    string `json:"op"` // add, remove, replace, move, copy or test
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Replace is the patch operation that sets path to v.
func Replace(path string, v any) PatchOp { return PatchOp{Op: "replace", Path: path, Value: v} }

// validatePatch checks ops against the JsonPatchOperation schema.
func validatePatch(ops []PatchOp) error {
	if len(ops) == 0 {
		return isc.Invalid("body", "at least one patch operation is needed")
	}
	for i, o := range ops {
		switch o.Op {
		case "add", "replace", "test":
			if o.Value == nil {
				return isc.Invalid("body", "operation %d (%s) needs a value", i, o.Op)
			}
		case "remove", "move", "copy":
		default:
			return isc.Invalid("body", "operation %d: unknown op %q", i, o.Op)
		}
		if len(o.Path) == 0 || o.Path[0] != '/' {
			return isc.Invalid("body", "operation %d: path %q is not a JSON pointer", i, o.Path)
		}
	}
	return nil
}
