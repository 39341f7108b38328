package resolvers

import (
	"context"
	"strings"

	"github.com/vikstrous/dataloadgen"

	"github.com/sailgraph/sailgraph/graph/loaders"
	"github.com/sailgraph/sailgraph/graph/model"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// LoaderFetch returns the upstream calls the per-request loaders batch.
func (r *Resolver) LoaderFetch() loaders.Fetch {
	return loaders.Fetch{TasksByID: r.tasksByID}
}

// tasksByID looks tasks up by id with tasks.ByID: among the completed
// tasks first (what a lookup usually finds), then the pending ones; ids
// neither call returns do not exist.
func (r *Resolver) tasksByID(ctx context.Context, ids []string) (map[string]*model.TaskStatus, error) {
	got, err := tasks.ByID(ctx, r.TaskStatus, ids, false)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*model.TaskStatus, len(got))
	notFound := dataloadgen.MappedFetchError[string]{}
	for _, id := range ids {
		if t := got[id]; t != nil {
			found[id] = taskStatusOf(t)
		} else {
			notFound[id] = isc.ErrNotFound
		}
	}
	if len(notFound) == 0 {
		return found, nil
	}
	return found, notFound
}

// taskListFilter turns the graph's filter into the client's.
func taskListFilter(f *model.TaskFilter) isc.Filter[tasks.Field] {
	if f == nil {
		return nil
	}
	var out isc.Filter[tasks.Field]
	add := func(field tasks.Field, vs []string) {
		if vs == nil {
			return
		}
		vals := make([]isc.Value, len(vs))
		for i, v := range vs {
			vals[i] = isc.Str(v)
		}
		if len(vals) == 1 {
			out = append(out, isc.Eq(field, vals[0]))
		} else {
			out = append(out, isc.In(field, vals...)) // none is refused by the client
		}
	}
	add(tasks.FieldID, f.ID)
	add(tasks.FieldSourceID, f.SourceID)
	add(tasks.FieldCompletionStatus, enumStrings(f.CompletionStatus))
	add(tasks.FieldType, enumStrings(f.Type))
	return out
}

func enumStrings[E ~string](es []E) []string {
	if es == nil {
		return nil
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e)
	}
	return out
}

func taskSort(orderBy []*model.TaskOrder) []isc.Sort[tasks.SortField] {
	var out []isc.Sort[tasks.SortField]
	for _, o := range orderBy {
		out = append(out, isc.Sort[tasks.SortField]{Field: tasks.SortCreated, Desc: o.Direction == model.SortDirectionDesc})
	}
	return out
}

// patchOps turns the graph's JSON Patch operations into the client's.
func patchOps(ops []*model.JSONPatchOperationInput) []tasks.PatchOp {
	out := make([]tasks.PatchOp, len(ops))
	for i, o := range ops {
		out[i] = tasks.PatchOp{Op: strings.ToLower(string(o.Op)), Path: o.Path, Value: o.Value}
	}
	return out
}

// taskStatusOf maps one task.
func taskStatusOf(t *tasks.TaskStatus) *model.TaskStatus {
	out := &model.TaskStatus{
		ID: t.ID, Type: model.TaskType(t.Type), UniqueName: t.UniqueName,
		Description: optional(t.Description), ParentName: optional(t.ParentName), Launcher: t.Launcher,
		Created: t.Created, Modified: t.Modified, Launched: t.Launched, Completed: t.Completed,
		Messages: make([]*model.TaskMessage, len(t.Messages)), Returns: make([]*model.TaskReturn, len(t.Returns)),
		Progress: optional(t.Progress), PercentComplete: t.PercentComplete,
	}
	if t.Attributes != nil {
		out.Attributes = t.Attributes
	}
	if t.CompletionStatus != "" {
		s := model.CompletionStatus(t.CompletionStatus)
		out.CompletionStatus = &s
	}
	if t.Target != nil {
		out.Target = &model.TaskTarget{ID: optional(t.Target.ID), Type: optional(t.Target.Type), Name: optional(t.Target.Name)}
	}
	for i, m := range t.Messages {
		tm := &model.TaskMessage{Type: model.TaskMessageType(m.Type), Key: m.Key}
		if m.LocalizedText != nil {
			tm.Text, tm.Locale = optional(m.LocalizedText.Message), optional(m.LocalizedText.Locale)
		}
		if m.Parameters != nil {
			tm.Parameters = m.Parameters
		}
		out.Messages[i] = tm
	}
	for i, rt := range t.Returns {
		out.Returns[i] = &model.TaskReturn{Name: rt.Name, AttributeName: rt.AttributeName}
	}
	if d := t.Definition; d != nil {
		out.TaskDefinition = &model.TaskDefinition{
			ID: d.ID, UniqueName: d.UniqueName, Description: optional(d.Description),
			ParentName: d.ParentName, Executor: optional(d.Executor),
		}
		if d.Arguments != nil {
			out.TaskDefinition.Arguments = d.Arguments
		}
	}
	return out
}

// taskConnection maps a page of tasks.
func taskConnection(p page[tasks.TaskStatus]) *model.TaskStatusConnection {
	nodes := mapItems(p, func(t tasks.TaskStatus) *model.TaskStatus { return taskStatusOf(&t) })
	return &model.TaskStatusConnection{
		Edges: edges(nodes, func(c string, n *model.TaskStatus) *model.TaskStatusEdge {
			return &model.TaskStatusEdge{Cursor: c, Node: n}
		}),
		Nodes:      nodes.items,
		PageInfo:   nodes.pageInfo(),
		TotalCount: nodes.total,
	}
}
