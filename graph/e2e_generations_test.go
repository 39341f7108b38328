package graph_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graphiql"
	"github.com/sailgraph/sailgraph/internal/spectest"
	"github.com/sailgraph/sailgraph/simtenant"
	"github.com/sailgraph/sailgraph/upstream/history"
	"github.com/sailgraph/sailgraph/upstream/isc"
	"github.com/sailgraph/sailgraph/upstream/op"
	"github.com/sailgraph/sailgraph/upstream/tasks"
)

// document is a GraphQL query and its variables.
type document struct {
	name, query string
	vars        map[string]any
}

// answerOf is what a caller sees of an answer: its status, data, errors
// (message, path, code and the rest of extensions) and extensions, as
// JSON. The errors are sorted by path: their order is the order the
// fields failed in, which varies from one run to the next in either
// generation (GraphQL gives it no meaning).
func answerOf(t *testing.T, r response) string {
	t.Helper()
	errs := slices.SortedFunc(slices.Values(r.Errors), func(a, b gqlError) int { return strings.Compare(a.path(), b.path()) })
	b, err := json.Marshal(map[string]any{"status": r.status, "data": r.Data, "errors": errs, "extensions": r.Extensions})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The same documents asked of a gateway on the legacy APIs and of one on
// the v1 APIs, in front of the same simulated tenant (its clock stopped,
// so that both see the same data), get the same answers byte for byte:
// every README and GraphiQL example, and documents that reach every
// difference between the generations (access items filtered, sorted,
// searched and paged, which v1 cannot do; the completed-task list, which
// v1 no longer limits to completed tasks; the pending tasks and their
// count, which v1 has no operations for), plus unknown ids. Each gateway
// calls only its own generation's paths, and every exchange of both is
// valid against the spec.
func TestGenerationsAnswerAlike(t *testing.T) {
	now := time.Now()
	topts := simtenant.Options{Seed: 1, Identities: 2000, Now: func() time.Time { return now }}
	legacy := newEnvIn(t, "legacy", topts, graph.Options{})
	v1 := legacy.twin(t, "v1")
	// Not the mutation, which would make a new report in each.
	docs := slices.DeleteFunc(exampleDocuments(t), func(d document) bool { return strings.Contains(d.query, "\nmutation ") })
	docs = append(docs, legacy.variedDocuments(t)...)

	var answered, withErrors int
	for _, d := range docs {
		want := legacy.query(d.query, d.vars)
		got := v1.query(d.query, d.vars)
		a, b := answerOf(t, want), answerOf(t, got)
		if a != b {
			t.Errorf("%s: the generations answer differently:\nlegacy %s\nv1     %s", d.name, a, b)
			continue
		}
		if len(want.Data) == 0 || string(want.Data) == "null" {
			t.Errorf("%s: no data: %s", d.name, a)
		}
		answered++
		if len(want.Errors) > 0 {
			withErrors++
		}
	}
	// Only "unknown ids" has errors: the rest answer whole.
	if answered < 14 || withErrors != 1 {
		t.Fatalf("%d documents answered alike, %d of them with errors: the comparison says too little", answered, withErrors)
	}

	// Each gateway reached the tenant through its own generation only
	// (env.query checks every call), all of it held to the spec.
	for _, e := range []*env{legacy, v1} {
		var docsUsed []spectest.API
		for _, api := range spectest.APIs() {
			if len(e.gw.Spec.CoveredIn(api)) > 0 {
				docsUsed = append(docsUsed, api)
			}
		}
		want := []spectest.API{spectest.Beta, spectest.V2024}
		if e.gen == op.V1 {
			want = spectest.V1APIs()
		}
		if !slices.Equal(docsUsed, want) {
			t.Errorf("the %s gateway's exchanges were validated against %v, want %v", e.gen, docsUsed, want)
		}
		t.Logf("%s: %d exchanges with the tenant, each valid against the spec", e.gen, e.gw.Spec.Exchanges)
	}
	if cov := v1.gw.Spec.Covered(); cov["getPendingTasks"]+cov["getPendingTaskHeaders"] != 0 || cov["getTaskStatusListV1"] == 0 {
		t.Errorf("v1 coverage %v", cov)
	}
}

// twin is another gateway in front of e's tenant, with every family on
// generation gen and the same configuration otherwise.
func (e *env) twin(t *testing.T, gen string) *env {
	t.Helper()
	gw := gatewaytest.NewFor(t, e.tn, e.gw.TenantURL, envOptions(gen, graph.Options{}))
	return &env{t: t, gen: generationOf(gen), tn: e.tn, gw: gw, calls: gw.Calls, history: e.history, tasks: e.tasks}
}

// exampleDocuments are the README's example queries and GraphiQL's
// examples.
func exampleDocuments(t *testing.T) []document {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []document
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		out = append(out, document{name: "README " + regexp.MustCompile(`query (\w+)`).FindStringSubmatch(m[1])[1], query: m[1]})
	}
	if len(out) < 3 {
		t.Fatalf("%d graphql blocks in the README", len(out))
	}
	for _, ex := range graphiql.DefaultExamples() {
		var vars map[string]any
		if ex.Variables != "" {
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, document{name: "GraphiQL " + ex.Title, query: ex.Query, vars: vars})
	}
	return out
}

// variedDocuments reach what differs between the generations, with ids
// and values read from the tenant directly.
func (e *env) variedDocuments(t *testing.T) []document {
	t.Helper()
	ctx := context.Background()
	id := e.identityWithEveryEventKind()
	ents := must(e.history.ListAccessItems(ctx, id, history.AccessItemsParams{Type: history.Entitlement, Paging: isc.Paging{Limit: 1}}))
	if len(ents.Items) == 0 {
		t.Fatal("the identity holds no entitlement")
	}
	ent := ents.Items[0].(*history.EntitlementItem)
	snaps := must(e.history.ListSnapshots(ctx, id, history.SnapshotsParams{Paging: isc.Paging{Limit: 250}}))
	done := must(e.tasks.ListTaskStatus(ctx, tasks.ListParams{Paging: isc.Paging{Limit: 1}}))
	pending := must(e.tasks.ListPendingTasks(ctx, isc.Paging{Limit: 1}))
	if len(snaps.Items) < 2 || len(done.Items) == 0 || len(pending.Items) == 0 {
		t.Fatalf("%d snapshots, %d completed and %d pending tasks", len(snaps.Items), len(done.Items), len(pending.Items))
	}
	vars := map[string]any{
		"id": id, "source": strings.ToUpper(ent.SourceName), "attribute": strings.ToUpper(ent.Attribute),
		"first": snaps.Items[0].Snapshot, "second": snaps.Items[1].Snapshot, "last": snaps.Items[len(snaps.Items)-1].Snapshot,
		"done": done.Items[0].ID, "pending": pending.Items[0].ID,
	}
	items := `query Items($id: ID!, $source: String, $attribute: String, $after: String) { identity(id: $id) {
		accounts: accessItems(type: ACCOUNT, first: 100) { totalCount nodes { ...Item } }
		entitlements: accessItems(type: ENTITLEMENT, first: 1000) { totalCount nodes { ...Item } }
		apps: accessItems(type: APP, first: 100) { nodes { ...Item } }
		profiles: accessItems(type: ACCESS_PROFILE, first: 100) { nodes { ...Item } }
		roles: accessItems(type: ROLE, first: 100) { nodes { ...Item } }
		unprivileged: accessItems(type: ENTITLEMENT, filter: {privileged: false}, orderBy: [{field: SOURCE}, {field: NAME, direction: DESC}], first: 3, after: $after) {
			totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id displayName sourceName } } }
		searched: accessItems(type: ENTITLEMENT, query: "a", orderBy: [{field: VALUE, direction: DESC}], first: 300) { totalCount nodes { id } }
		standalone: accessItems(type: ACCESS_PROFILE, filter: {standalone: true}, orderBy: [{field: ENTITLEMENT_COUNT, direction: DESC}], first: 10) { totalCount nodes { id } }
		ending: accessItems(type: ROLE, orderBy: [{field: REMOVE_DATE, direction: DESC}], first: 10) { nodes { id ... on Role { removeDate } } }
		bySource: accessItems(type: ACCOUNT, filter: {source: $source}, orderBy: [{field: NATIVE_IDENTITY}], first: 10) { totalCount nodes { id sourceName } }
		byAttribute: accessItems(type: ENTITLEMENT, filter: {attribute: $attribute, cloudGoverned: false}, orderBy: [{field: PRIVILEGED, direction: DESC}, {field: ATTRIBUTE}], first: 10) { totalCount nodes { id } }
		nothing: accessItems(type: ENTITLEMENT, query: "no such text anywhere", first: 10) { totalCount nodes { id } }
	} } ` + accessItemFragment
	first := e.query(items, vars)
	var page struct {
		Identity struct {
			Unprivileged struct {
				PageInfo struct{ EndCursor string }
			}
		}
	}
	if err := json.Unmarshal(first.Data, &page); err != nil || page.Identity.Unprivileged.PageInfo.EndCursor == "" {
		t.Fatalf("no cursor to page on: %v %s", err, first.Data)
	}
	after := map[string]any{"after": page.Identity.Unprivileged.PageInfo.EndCursor}
	for k, v := range vars {
		after[k] = v
	}
	return []document{
		{name: "identity page", query: identityPage, vars: map[string]any{"id": id}},
		{name: "access items", query: items, vars: vars},
		{name: "access items, next page", query: items, vars: after},
		{name: "events", query: `query Q($id: ID!, $last: DateTime) { identity(id: $id) {
			all: events(first: 250) { totalCount nodes { __typename eventType dateTime } }
			some: events(eventTypes: ["AccessItemAssociated", "AccessRequested"], accessItemTypes: [ROLE, ENTITLEMENT], from: $last, first: 20) { totalCount nodes { __typename dateTime } }
		} }`, vars: vars},
		{name: "snapshots", query: `query Q($id: ID!, $second: DateTime!, $first: DateTime, $last: DateTime) { identity(id: $id) {
			snapshots(first: 3) { totalCount nodes { date displayName accessItemCounts { type count } accessItems { __typename id accessType } } }
			snapshot(date: $second) { date attributes accessItems(type: ACCESS_PROFILE) { id } }
			snapshotSummary(interval: DAY, timeZone: "Europe/Berlin") { name date value }
			compare(snapshot1: $first, snapshot2: $last) { accessType added removed }
			accessDiff(accessType: ENTITLEMENT, snapshot1: $first, snapshot2: $last, first: 100) { totalCount nodes { id change displayName } }
		} }`, vars: vars},
		{name: "identities", query: `{ all: identities(first: 300) { pageInfo { hasNextPage endCursor } nodes { id displayName active } }
			named: identities(startsWith: "Ma", first: 20) { nodes { id displayName deletedDate } } }`},
		{name: "tasks", query: `query Q($done: ID!, $pending: ID!) {
			failed: tasks(filter: {completionStatus: [ERROR, TEMPERROR]}, orderBy: [{field: CREATED, direction: DESC}], first: 300) { totalCount pageInfo { hasNextPage endCursor } nodes { ` + taskFields + ` } }
			all: tasks(first: 1000) { totalCount nodes { id completionStatus } }
			quartz: tasks(filter: {type: [QUARTZ, QPOC]}, orderBy: [{field: CREATED}], first: 50) { totalCount nodes { id type } }
			mixed: tasks(filter: {id: [$done, $pending]}) { totalCount nodes { id } }
			pendingTasks(first: 1000) { totalCount nodes { ` + taskFields + ` } }
			pendingTaskCount
			done: task(id: $done) { ` + taskFields + ` }
			running: task(id: $pending) { ` + taskFields + ` }
		}`, vars: vars},
		{name: "unknown ids", query: `{ identity(id: "no-such-identity") { id } task(id: "no-such-task") { id }
			report(taskResultId: "0123456789abcdef0123456789abcdef") { id }
			roleMiningExport(sessionId: "8c190e67-87aa-4ed9-a90b-d9d5344523fb", potentialRoleId: "278359a6-04b7-4669-9468-924cf580964a", exportId: "4940ffd4-836f-48a3-b2b0-6d498c3fdf40") { status } }`},
	}
}

// With SAILGRAPH_UPSTREAM_API=auto the gateway asks the tenant which
// generation serves each family and uses it: v1 everywhere for a tenant
// that serves both or v1 only, legacy for one with v1 switched off. The
// answers are the same, and gateway { apiVersions } says what is used.
func TestAutoFollowsTheTenant(t *testing.T) {
	const doc = `query Q($id: ID!) { gateway { apiVersions }
		identity(id: $id) { displayName accessItems(type: ENTITLEMENT, orderBy: [{field: NAME, direction: DESC}], first: 3) { totalCount nodes { id } } }
		tasks(first: 3) { totalCount nodes { id } } pendingTasks(first: 2) { nodes { id } } pendingTaskCount
		report(taskResultId: "0123456789abcdef0123456789abcdef") { id } }`
	now := time.Now()
	var answers []string
	for _, tc := range []struct {
		name   string
		served simtenant.Generations
		gen    op.Generation
		apis   string
	}{
		{"both served", simtenant.GenAll, op.V1, "history-v1,tasks-v1,reports-v1,rolemining-v1"},
		{"v1 only", simtenant.GenV1, op.V1, "history-v1,tasks-v1,reports-v1,rolemining-v1"},
		{"legacy only", simtenant.GenLegacy, op.Legacy, "beta,v2024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvIn(t, "auto", simtenant.Options{Identities: 40, Now: func() time.Time { return now }, Generations: tc.served}, graph.Options{})
			// apiVersions waits for the detection; its probes are the
			// only calls of another generation, and come before env.query
			// checks every call against the one chosen.
			r := e.gw.Query(`{ gateway { apiVersions } }`, nil)
			var d struct {
				Gateway struct{ APIVersions []string }
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || strings.Join(d.Gateway.APIVersions, ",") != tc.apis {
				t.Fatalf("apiVersions %v (%v), want %s", d.Gateway.APIVersions, err, tc.apis)
			}
			e.gen = tc.gen
			a := e.query(doc, map[string]any{"id": firstIdentityIn(t, e, tc.gen)})
			answers = append(answers, answerOf(t, a))
			if len(a.Errors) != 1 || a.Errors[0].path() != "report" || a.Errors[0].code() != "NOT_FOUND" {
				t.Errorf("errors %+v", a.Errors)
			}
			if n := strings.Count(e.gw.Logs.String(), `"msg":"upstream API generation chosen"`); n != 4 {
				t.Errorf("%d choices logged, want one per family", n)
			}
		})
	}
	// apiVersions aside, the three tenants answer alike.
	strip := regexp.MustCompile(`"apiVersions":\[[^]]*\]`)
	for i := 1; i < len(answers); i++ {
		if a, b := strip.ReplaceAllString(answers[0], ""), strip.ReplaceAllString(answers[i], ""); a != b {
			t.Errorf("answers differ:\n%s\n%s", a, b)
		}
	}
}

// firstIdentityIn reads the first identity's id directly, in gen (a
// tenant may serve only one).
func firstIdentityIn(t *testing.T, e *env, gen op.Generation) string {
	t.Helper()
	c := must(history.New(e.gw.TenantURL, e.gw.Direct(), isc.WithGenerations(isc.FixedGeneration(gen))))
	ids := must(c.ListIdentities(context.Background(), history.ListIdentitiesParams{Paging: isc.Paging{Limit: 1}}))
	return ids.Items[0].ID
}
