package httpcache

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/sailgraph/sailgraph/cache"
	"github.com/sailgraph/sailgraph/upstream/principal"
	"github.com/sailgraph/sailgraph/upstream/route"
)

// What each mutation changes:
//
//   - PATCH /beta/task-status/{id} (updateTaskStatus) changes that task and
//     so every task list. Task reads live in one generation namespace per
//     tenant, which the PATCH bumps: the task and all task lists, whatever
//     their parameters, for every principal of the tenant.
//   - POST /v2024/reports/{id}/cancel (cancelReport) changes that report's
//     result: both variants (completed=false and true) of the cancelling
//     principal's getReportResult are dropped. Other principals' copies of
//     a running report are Volatile and live seconds.
//   - POST /v2024/reports/run and POST .../export-async start something
//     new and change nothing cached.
//
// The drop happens after the mutation returns (whatever it answered: a
// failed mutation may still have acted), so a read racing it cannot store
// the old state under the new generation.

// taskNamespace is the generation namespace of a tenant's task reads.
func taskNamespace(tenant string) string { return tenant + "|beta|task-status" }

// namespaceOf puts the task reads of rt in their tenant's namespace.
func namespaceOf(p principal.Principal, rt route.Route) string {
	switch rt.Operation {
	case "getTaskStatus", "getTaskStatusList", "getPendingTasks":
		return taskNamespace(p.Tenant)
	}
	return ""
}

// mutate sends a POST or PATCH and drops what it changed.
func (t *Transport) mutate(req *http.Request, rt route.Route) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	p, ok := principal.From(req.Context())
	if !ok {
		return resp, err
	}
	ctx := context.WithoutCancel(req.Context())
	var ierr error
	switch rt.Operation {
	case "updateTaskStatus":
		ierr = t.cache.Bump(ctx, taskNamespace(p.Tenant))
	case "cancelReport":
		ierr = t.cache.Invalidate(ctx, t.reportResults(p, rt.Params["id"])...)
	default:
		return resp, err
	}
	if ierr != nil {
		t.log.Warn("httpcache: a mutation could not drop what it changed; cached answers may be stale until they expire",
			slog.String("operation", rt.Operation), slog.Any("principal", p), slog.Any("error", ierr))
	}
	return resp, err
}

// reportResults are the cache requests of p's getReportResult of id.
func (t *Transport) reportResults(p principal.Principal, id string) []cache.Request {
	rt := route.Route{API: route.V2024, Operation: "getReportResult", Params: map[string]string{"taskResultId": id}}
	var out []cache.Request
	for _, q := range []string{"completed=false", "completed=true"} {
		if key, ok := canonicalKey(rt, q); ok {
			out = append(out, t.request(p, rt, key))
		}
	}
	return out
}
