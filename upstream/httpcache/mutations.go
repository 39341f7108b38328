package httpcache

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/principal"
)

// What each mutation changes is its op.Operation's Drops, and the reads it
// changes are those whose Namespace is the same:
//
//   - op.TaskReads: a task PATCH (updateTaskStatus) changes that task and
//     so every task list and the pending list. A tenant's task reads, in
//     either generation and for every principal, live in one generation
//     namespace, which the PATCH bumps: they come in unbounded variants.
//   - op.ReportRun: cancelling a report (cancelReport) changes that
//     report's result; its result reads live in a namespace of their own,
//     which the cancel bumps.
//   - Starting a report or an export changes nothing cached.
//
// The drop happens after the mutation returns (whatever it answered: a
// failed mutation may still have acted), so a read racing it cannot store
// the old state under the new generation.

// namespaceOf is the generation namespace of ns for call by p: tenant
// wide, never per principal (a change is a change for everyone), and the
// same in both generations (they serve one data set).
func namespaceOf(p principal.Principal, ns op.Namespace, call *op.Call) string {
	switch ns {
	case op.TaskReads:
		return p.Tenant + "|tasks"
	case op.ReportRun:
		return p.Tenant + "|report|" + call.Resource()
	}
	return ""
}

// mutate sends a POST or PATCH and drops what it changed.
func (t *Transport) mutate(req *http.Request, call *op.Call) (*http.Response, error) {
	resp, err := t.send(req)
	p, ok := principal.From(req.Context())
	if !ok || call.Op.Drops == op.NoNamespace {
		return resp, err
	}
	ns := namespaceOf(p, call.Op.Drops, call)
	if ierr := t.cache.Bump(context.WithoutCancel(req.Context()), ns); ierr != nil {
		t.log.Warn("httpcache: a mutation could not drop what it changed; cached answers may be stale until they expire",
			slog.String("operation", call.Op.Name), slog.Any("principal", p), slog.Any("error", ierr))
	}
	return resp, err
}
