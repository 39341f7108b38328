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
