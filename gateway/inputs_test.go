package gateway_test

import (
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// Requests that break the upstream contract are refused by the gateway
// with BAD_USER_INPUT before any upstream call: each of these reached the
// tenant once (a spec violation on the wire, or a request the tenant
// refused). The checks live in the typed clients, so every GraphQL field
// and every client call gets them; gatewaytest validates whatever does go
// out against the spec.
func TestContractBreakingArgumentsRefusedBeforeAnyCall(t *testing.T) {
	gw := gatewaytest.New(t, gatewaytest.Options{})
	id := gw.IdentityIDs(1)[0]
	taskID := pendingTaskID(t, gw)

	cases := []struct {
		name, doc string
		vars      map[string]any
		field, op string // the field that must fail, and the operation it must not call
		want      string // in the message
	}{
		{"empty event type", `query($id: ID!) { identity(id: $id) { events(eventTypes: [""], first: 3) { nodes { eventType } } } }`,
			map[string]any{"id": id}, "identity.events", "getHistoricalIdentityEvents", "eventTypes"},
		{"empty event type among others", `query($id: ID!, $ts: [String!]) { identity(id: $id) { events(eventTypes: $ts) { totalCount } } }`,
			map[string]any{"id": id, "ts": []string{"AccessRequested", ""}}, "identity.events", "getHistoricalIdentityEvents", "eventTypes"},
		{"unknown time zone", `query($id: ID!) { identity(id: $id) { snapshotSummary(timeZone: "Mars/Olympus") { name value } } }`,
			map[string]any{"id": id}, "identity.snapshotSummary", "getIdentitySnapshotSummary", "time-zone"},
		{"Go's Local is no time zone", `query($id: ID!) { identity(id: $id) { snapshotSummary(timeZone: "Local") { name } } }`,
			map[string]any{"id": id}, "identity.snapshotSummary", "getIdentitySnapshotSummary", "time-zone"},
		{"a fraction for progress", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/progress", value: 1.5}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "/progress"},
		{"a list for progress", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/progress", value: [1]}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "/progress"},
		{"a path that is no field", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/x", value: "y"}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "/x"},
		{"a path that climbs", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/../../x", value: "y"}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "/../../x"},
		{"an unknown completion status", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: REPLACE, path: "/completionStatus", value: "Sideways"}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "completionStatus"},
		// gqlparser compares enum names case-insensitively, so the
		// variable passes validation and fails in generated code.
		{"an enum variable in lower case", `query($id: ID!, $t: AccessItemType) { identity(id: $id) { accessItems(type: $t) { totalCount } } }`,
			map[string]any{"id": id, "t": "account"}, "identity.accessItems.type", "listIdentityAccessItems", "AccessItemType"},
		{"move without from", `mutation($id: ID!) { updateTaskStatus(id: $id, operations: [{op: MOVE, path: "/progress"}]) { id } }`,
			map[string]any{"id": taskID}, "updateTaskStatus", "updateTaskStatus", "move"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := gw.Calls.Count(tc.op)
			r := gw.Query(tc.doc, tc.vars)
			if len(r.Errors) != 1 || r.Errors[0].PathString() != tc.field || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Fatalf("errors %+v; want one BAD_USER_INPUT on %s", r.Errors, tc.field)
			}
			if msg := r.Errors[0].Message; !strings.Contains(msg, tc.want) || strings.HasPrefix(msg, "the tenant refused") {
				t.Errorf("message %q: want the gateway's own words, naming %q", msg, tc.want)
			}
			if n := gw.Calls.Count(tc.op) - before; n != 0 {
				t.Errorf("%d calls to %s", n, tc.op)
			}
		})
	}

	// What the checks let through still works: a named zone, event types,
	// and a patch of the status fields.
	r := gw.Query(`query($id: ID!) { identity(id: $id) {
		snapshotSummary(timeZone: "America/New_York", interval: DAY) { name }
		events(eventTypes: ["AccessRequested", "AccessItemAssociated"], first: 2) { nodes { eventType } } } }`, map[string]any{"id": id})
	if len(r.Errors) != 0 {
		t.Fatalf("valid arguments: %+v", r.Errors)
	}
	r = gw.Query(`mutation($id: ID!, $same: JSON) { updateTaskStatus(id: $id, operations: [
		{op: TEST, path: "/id", value: $same},
		{op: REPLACE, path: "/progress", value: "stuck"},
		{op: ADD, path: "/attributes/ticket", value: {number: 7, tags: ["a"]}},
		{op: REPLACE, path: "/percentComplete", value: 40},
		{op: REPLACE, path: "/completionStatus", value: "Error"}]) { progress percentComplete completionStatus attributes } }`,
		map[string]any{"id": taskID, "same": taskID})
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"progress":"stuck"`) || !strings.Contains(string(r.Data), `"completionStatus":"ERROR"`) {
		t.Fatalf("valid patch: %s %+v", r.Data, r.Errors)
	}
}

func pendingTaskID(t *testing.T, gw *gatewaytest.Gateway) string {
	t.Helper()
	c, err := tasks.New(gw.TenantURL, gw.Direct())
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.ListPendingTasks(t.Context(), isc.Paging{Limit: 1})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("pending tasks: %v", err)
	}
	return p.Items[0].ID
}
