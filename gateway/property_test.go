package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/config"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/ratelimit"
	"github.com/sailgraph/sailgraph/record"
	"github.com/sailgraph/sailgraph/upstream/op"
)

// The property: for generated values of every argument of every field and
// mutation, every request the gateway sends passes the spec (gatewaytest
// validates each exchange through spectest; a violation fails the test),
// and every answer either has no error for the field, or errors coded
// BAD_USER_INPUT or NOT_FOUND. When the gateway refuses an argument itself
// (a BAD_USER_INPUT in its own words, not "the tenant refused ..."), the
// field's upstream operation was not called. A variable the GraphQL layer
// cannot coerce (an unknown enum name, say) is refused for the whole
// request with GRAPHQL_VALIDATION_FAILED before anything runs.
//
// The generator is seeded and deterministic. The normal run makes
// propertyCases cases per field; SAILGRAPH_PROPERTY_CASES sets another
// count and SAILGRAPH_PROPERTY_SEED another seed, e.g.
//
//	SAILGRAPH_PROPERTY_CASES=5000 SAILGRAPH_PROPERTY_SEED=7 go test -run TestGeneratedArguments ./gateway/
const propertyCases = 250

func TestGeneratedArguments(t *testing.T) {
	n := envInt(t, "SAILGRAPH_PROPERTY_CASES", propertyCases)
	seed := uint64(envInt(t, "SAILGRAPH_PROPERTY_SEED", 1))
	calls := &callLog{byRequest: map[string]map[string]int{}}
	gw := gatewaytest.New(t, gatewaytest.Options{
		Config: func(c *config.Config) {
			// Thousands of requests from one anonymous caller: its fair
			// share is not what this test is about.
			c.KeyCost = ratelimit.Rate{N: 1 << 30, Per: time.Second}
		},
		Base: calls.wrap,
	})
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	g.pools(t, gw)

	var st stats
	for _, f := range fields() {
		t.Run(f.name, func(t *testing.T) {
			for i := range n {
				doc, vars := f.gen(g)
				check(t, gw, calls, f, fmt.Sprintf("property-%s-%d", f.name, i), doc, vars, &st)
				if t.Failed() {
					t.Fatalf("case %d (seed %d): %s\nvariables: %s", i, seed, doc, mustJSON(vars))
				}
			}
		})
	}
	t.Logf("%d cases, seed %d: %d answered with data, %d refused by the gateway (BAD_USER_INPUT), %d refused by the tenant (BAD_USER_INPUT), %d NOT_FOUND, %d refused by GraphQL validation; %d upstream calls, %d validated against the spec",
		st.cases, seed, st.data, st.gateway, st.tenant, st.notFound, st.validation, gw.Calls.Total(), gw.Spec.Exchanges)
	for _, m := range st.tenantMessages() {
		t.Logf("the tenant refused: %s", m)
	}
}

type stats struct {
	cases, data, gateway, tenant, notFound, validation int
	tenantSaid                                         map[string]int
}

func (s *stats) tenantMessages() []string {
	out := make([]string, 0, len(s.tenantSaid))
	for m, n := range s.tenantSaid {
		out = append(out, fmt.Sprintf("%d× %s", n, m))
	}
	sort.Strings(out)
	return out
}

// field is one field under test: how to make a document for it, and the
// upstream operations behind each path its errors may carry (the longest
// matching prefix decides).
type field struct {
	name string
	ops  map[string]string // error path prefix → operation
	gen  func(*gen) (string, map[string]any)
}

// callLog counts the calls that reach the network by the inbound
// request they were made for (its X-Request-Id, from the request's
// record) and operation. Look-ahead calls may still start after their
// request is answered, so counting around a request would blame the next.
type callLog struct {
	mu        sync.Mutex
	byRequest map[string]map[string]int
}

func (l *callLog) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		name := req.Method + " " + req.URL.Path
		if c, ok := op.FromRequest(req); ok {
			name = c.Op.Name
		}
		id := record.From(req.Context()).ID()
		l.mu.Lock()
		if l.byRequest[id] == nil {
			l.byRequest[id] = map[string]int{}
		}
		l.byRequest[id][name]++
		l.mu.Unlock()
		return next.RoundTrip(req)
	})
}

// made is how many calls to name the request id made; all of them for "".
func (l *callLog) made(id, name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if name != "" {
		return l.byRequest[id][name]
	}
	n := 0
	for _, c := range l.byRequest[id] {
		n += c
	}
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func check(t *testing.T, gw *gatewaytest.Gateway, calls *callLog, f field, id, doc string, vars map[string]any, st *stats) {
	t.Helper()
	st.cases++
	r := gw.Query(doc, vars, "X-Request-Id", id)
	if len(r.Errors) == 0 {
		if r.Status != 200 || len(r.Data) == 0 || string(r.Data) == "null" {
			t.Errorf("status %d, data %s and no error", r.Status, r.Data)
		}
		st.data++
		return
	}
	for _, e := range r.Errors {
		path := e.PathString()
		switch code := e.Code(); {
		case code == "GRAPHQL_VALIDATION_FAILED" && strings.HasPrefix(path, "variable"):
			st.validation++
			if n := calls.made(id, ""); n != 0 {
				t.Errorf("a request refused by validation made %d upstream calls", n)
			}
		case code == "NOT_FOUND":
			st.notFound++
		case code == "BAD_USER_INPUT" && strings.HasPrefix(e.Message, "the tenant refused"):
			st.tenant++
			if st.tenantSaid == nil {
				st.tenantSaid = map[string]int{}
			}
			st.tenantSaid[path+": "+e.Message]++
		case code == "BAD_USER_INPUT":
			st.gateway++
			op := opFor(f, path)
			switch op {
			case "":
				t.Errorf("BAD_USER_INPUT at %s, outside %s", path, f.name)
				continue
			case noCall:
				continue
			}
			if n := calls.made(id, op); n != 0 {
				t.Errorf("%s refused by the gateway (%q), yet %d calls to %s", path, e.Message, n, op)
			}
		default:
			t.Errorf("error %s at %s: %q", code, path, e.Message)
		}
	}
}

// noCall marks a field that makes no upstream call of its own.
const noCall = "-"

func opFor(f field, path string) string {
	best, op := -1, ""
	for prefix, o := range f.ops {
		if (path == prefix || strings.HasPrefix(path, prefix+".")) && len(prefix) > best {
			best, op = len(prefix), o
		}
	}
	return op
}

// fields lists every field with arguments of graph/*.graphqls, and every
// mutation.
func fields() []field {
	identity := func(child, op string) map[string]string {
		m := map[string]string{"identity": "getHistoricalIdentity"}
		if child != "" {
			m["identity."+child] = op
		}
		return m
	}
	page := "totalCount pageInfo { hasNextPage endCursor }"
	return []field{
		{"identities", map[string]string{"identities": "listHistoricalIdentities"}, func(g *gen) (string, map[string]any) {
			return `query($sw: String, $a: Boolean, $d: Boolean, $first: Int, $after: String) {
				identities(startsWith: $sw, active: $a, deleted: $d, first: $first, after: $after) { ` + page + ` nodes { id displayName active } } }`,
				g.vars("sw", g.str(), "a", g.boolean(), "d", g.boolean(), "first", g.first(), "after", g.cursor())
		}},
		{"identity", identity("", ""), func(g *gen) (string, map[string]any) {
			return `query($id: ID!) { identity(id: $id) { id displayName snapshotDate accessItemCounts { type count } startDate } }`,
				g.vars("id", g.identityID())
		}},
		{"identity.accessItems", identity("accessItems", "listIdentityAccessItems"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $type: AccessItemType, $filter: AccessItemFilter, $orderBy: [AccessItemOrder!], $q: String, $first: Int, $after: String) {
				identity(id: $id) { accessItems(type: $type, filter: $filter, orderBy: $orderBy, query: $q, first: $first, after: $after) { ` + page + ` nodes { id accessType } } } }`,
				g.vars("id", g.identityID(), "type", g.enum(accessTypes), "filter", g.itemFilter(), "orderBy", g.itemOrder(), "q", g.str(), "first", g.first(), "after", g.cursor())
		}},
		{"identity.events", identity("events", "getHistoricalIdentityEvents"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $from: DateTime, $types: [String!], $items: [AccessItemType!], $first: Int, $after: String) {
				identity(id: $id) { events(from: $from, eventTypes: $types, accessItemTypes: $items, first: $first, after: $after) { ` + page + ` nodes { eventType dateTime } } } }`,
				g.vars("id", g.identityID(), "from", g.date(), "types", g.list(g.eventType), "items", g.list(func() any { return g.enum(accessTypes) }), "first", g.first(), "after", g.cursor())
		}},
		{"identity.snapshots", identity("snapshots", "listIdentitySnapshots"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $start: DateTime, $interval: Interval, $first: Int, $after: String) {
				identity(id: $id) { snapshots(start: $start, interval: $interval, first: $first, after: $after) { ` + page + ` nodes { date } } } }`,
				g.vars("id", g.identityID(), "start", g.date(), "interval", g.enum(intervals), "first", g.first(), "after", g.cursor())
		}},
		{"identity.snapshot", identity("snapshot", "getIdentitySnapshot"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $date: DateTime!) { identity(id: $id) { snapshot(date: $date) { date displayName accessItemCounts { type count } } } }`,
				g.vars("id", g.identityID(), "date", g.requiredDate())
		}},
		{"identity.snapshot.accessItems", map[string]string{"identity": "getHistoricalIdentity", "identity.snapshot": "getIdentitySnapshot", "identity.snapshot.accessItems": "listIdentitySnapshotAccessItems"}, func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $date: DateTime!, $type: AccessItemType) { identity(id: $id) { snapshot(date: $date) { date accessItems(type: $type) { id accessType } } } }`,
				g.vars("id", g.identityID(), "date", g.pastDate(), "type", g.enum(accessTypes))
		}},
		{"identity.snapshotSummary", identity("snapshotSummary", "getIdentitySnapshotSummary"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $before: DateTime, $interval: Interval, $tz: String) {
				identity(id: $id) { snapshotSummary(before: $before, interval: $interval, timeZone: $tz) { name date value } } }`,
				g.vars("id", g.identityID(), "before", g.date(), "interval", g.enum(intervals), "tz", g.timeZone())
		}},
		{"identity.compare", identity("compare", "compareIdentitySnapshots"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $s1: DateTime, $s2: DateTime, $items: [AccessItemType!]) {
				identity(id: $id) { compare(snapshot1: $s1, snapshot2: $s2, accessItemTypes: $items) { accessType added removed } } }`,
				g.vars("id", g.identityID(), "s1", g.date(), "s2", g.date(), "items", g.list(func() any { return g.enum(accessTypes) }))
		}},
		{"identity.accessDiff", identity("accessDiff", "compareIdentitySnapshotsAccessType"), func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $type: AccessItemType!, $s1: DateTime, $s2: DateTime, $assoc: Boolean, $first: Int, $after: String) {
				identity(id: $id) { accessDiff(accessType: $type, snapshot1: $s1, snapshot2: $s2, associated: $assoc, first: $first, after: $after) { ` + page + ` nodes { id change } } } }`,
				g.vars("id", g.identityID(), "type", g.requiredEnum(accessTypes), "s1", g.date(), "s2", g.date(), "assoc", g.boolean(), "first", g.first(), "after", g.cursor())
		}},
		{"task", map[string]string{"task": "getTaskStatusList"}, func(g *gen) (string, map[string]any) {
			return `query($id: ID!) { task(id: $id) { id completionStatus progress } }`, g.vars("id", g.taskID())
		}},
		{"tasks", map[string]string{"tasks": "getTaskStatusList"}, func(g *gen) (string, map[string]any) {
			return `query($filter: TaskFilter, $orderBy: [TaskOrder!], $first: Int, $after: String) {
				tasks(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { ` + page + ` nodes { id completionStatus } } }`,
				g.vars("filter", g.taskFilter(), "orderBy", g.taskOrder(), "first", g.first(), "after", g.cursor())
		}},
		{"pendingTasks", map[string]string{"pendingTasks": "getPendingTasks"}, func(g *gen) (string, map[string]any) {
			return `query($first: Int, $after: String) { pendingTasks(first: $first, after: $after) { ` + page + ` nodes { id } } pendingTaskCount }`,
				g.vars("first", g.first(), "after", g.cursor())
		}},
		{"report", map[string]string{"report": "getReportResult", "report.downloadUrl": noCall}, func(g *gen) (string, map[string]any) {
			return `query($id: ID!, $format: ReportFormat!) { report(taskResultId: $id) { id status availableFormats downloadUrl(format: $format) } }`,
				g.vars("id", g.reportID(), "format", g.requiredEnum(reportFormats))
		}},
		{"roleMiningExport", map[string]string{"roleMiningExport": "exportRoleMiningPotentialRoleStatus"}, func(g *gen) (string, map[string]any) {
			return `query($s: ID!, $r: ID!, $e: ID!) { roleMiningExport(sessionId: $s, potentialRoleId: $r, exportId: $e) { exportId status downloadUrl } }`,
				g.vars("s", g.sessionID(), "r", g.roleID(), "e", g.exportID())
		}},
		{"updateTaskStatus", map[string]string{"updateTaskStatus": "updateTaskStatus"}, func(g *gen) (string, map[string]any) {
			return `mutation($id: ID!, $ops: [JsonPatchOperationInput!]!) { updateTaskStatus(id: $id, operations: $ops) { id progress percentComplete completionStatus attributes } }`,
				g.vars("id", g.taskID(), "ops", g.patch())
		}},
		{"startReport", map[string]string{"startReport": "startReport", "startReport.report": "getReportResult"}, func(g *gen) (string, map[string]any) {
			return `mutation($input: StartReportInput!) { startReport(input: $input) { id reportType report { status } } }`,
				g.vars("input", g.reportInput())
		}},
		{"cancelReport", map[string]string{"cancelReport": "cancelReport"}, func(g *gen) (string, map[string]any) {
			return `mutation($id: ID!) { cancelReport(taskResultId: $id) }`, g.vars("id", g.reportID())
		}},
		{"exportPotentialRole", map[string]string{"exportPotentialRole": "exportRoleMiningPotentialRoleAsync"}, func(g *gen) (string, map[string]any) {
			return `mutation($s: ID!, $r: ID!, $min: Int, $common: Boolean) {
				exportPotentialRole(sessionId: $s, potentialRoleId: $r, minEntitlementPopularity: $min, includeCommonAccess: $common) { exportId status } }`,
				g.vars("s", g.sessionID(), "r", g.roleID(), "min", g.popularity(), "common", g.boolean())
		}},
	}
}

var (
	accessTypes    = []string{"ACCOUNT", "ENTITLEMENT", "APP", "ACCESS_PROFILE", "ROLE"}
	intervals      = []string{"DAY", "MONTH"}
	reportFormats  = []string{"CSV", "PDF"}
	itemSorts      = []string{"NAME", "VALUE", "STANDALONE", "PRIVILEGED", "ATTRIBUTE", "SOURCE", "CLOUD_GOVERNED", "REMOVE_DATE", "NATIVE_IDENTITY", "ENTITLEMENT_COUNT"}
	directions     = []string{"ASC", "DESC"}
	statuses       = []string{"SUCCESS", "WARNING", "ERROR", "TERMINATED", "TEMPERROR"}
	taskTypes      = []string{"QUARTZ", "QPOC", "QUEUED_TASK"}
	reportTypes    = []string{"ACCOUNTS", "IDENTITIES_DETAILS", "IDENTITIES", "IDENTITY_PROFILE_IDENTITY_ERROR", "ORPHAN_IDENTITIES", "SEARCH_EXPORT", "UNCORRELATED_ACCOUNTS"}
	searchIndices  = []string{"ACCESSPROFILES", "ACCOUNTACTIVITIES", "ENTITLEMENTS", "EVENTS", "IDENTITIES", "ROLES", "ALL"}
	patchOps       = []string{"ADD", "REMOVE", "REPLACE", "MOVE", "COPY", "TEST"}
	eventTypeNames = []string{"IdentityCertified", "AccessItemAssociated", "AccessItemRemoved", "AttributesChanged", "AccessRequested", "AccountStatusChanged"}
	zones          = []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "Etc/GMT+12", "Etc/GMT-14", "Australia/Lord_Howe", "EST", "utc", "Europe/paris", "Mars/Olympus", "Local", "GMT+2", "+02:00", "../../etc/passwd", "Europe/", "/UTC"}
	patchPaths     = []string{"/completionStatus", "/completed", "/progress", "/percentComplete", "/description", "/attributes", "/attributes/ticket", "/attributes/a~1b", "/attributes/", "/attributes/x/y", "/id", "/type", "/created", "/target/name", "/messages/0", "/x", "/../../x", "", "/", "progress", "/attributes/~2", "/completionStatus/", "//"}
)

// nasty are strings that have broken gateways: path and query syntax,
// quotes of the filter grammar, escapes, control characters, Unicode
// edge cases, and words of the tenant's own languages.
var nasty = []string{
	"", " ", ".", "..", "/", "a/b", "../x", "%2F", "%", "%zz", "?", "?x=1", "#frag", "&", "=", "+", "a b",
	`"`, `\`, `\"`, "'", "(", ")", ",", ";", "~0~1", " and ", "eq", `x" or id eq "y`, `a") and (b`,
	"null", "true", "-1", "0", "1e999", "NaN", "*", "<script>alert(1)</script>", "é", "日本語", "💥",
	"\u202e", "\ufeff", "\t\n\r", "\x00", "\x7f", "\U0010ffff", "UTC", "Local", "2024-03-01T13:00:00Z",
	strings.Repeat("a", 2000), strings.Repeat("%", 300), strings.Repeat("/", 100),
}

// gen makes argument values: mostly ones the tenant knows, often ones at
// or past the edges of what the spec allows, sometimes hostile ones.
type gen struct {
	r *rand.Rand

	identities, tasks, reports, exports []string
	session, role                       string
}

func (g *gen) pools(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	g.identities = gw.IdentityIDs(15)
	r := gw.Query(`{ tasks(first: 20) { nodes { id } } pendingTasks(first: 20) { nodes { id } } }`, nil)
	var d struct {
		Tasks, PendingTasks struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) != 0 {
		t.Fatalf("tasks: %v %+v", err, r.Errors)
	}
	for _, n := range append(d.Tasks.Nodes, d.PendingTasks.Nodes...) {
		g.tasks = append(g.tasks, n.ID)
	}
	for _, typ := range []string{"IDENTITIES", "ORPHAN_IDENTITIES"} {
		r := gw.Query(`mutation($t: ReportType!) { startReport(input: {reportType: $t}) { id } }`, map[string]any{"t": typ})
		var d struct{ StartReport struct{ ID string } }
		if err := json.Unmarshal(r.Data, &d); err != nil || d.StartReport.ID == "" {
			t.Fatalf("startReport: %s %+v", r.Data, r.Errors)
		}
		g.reports = append(g.reports, d.StartReport.ID)
	}
	g.session, g.role = "8c190e67-87aa-4ed9-a90b-d9d5344523fb", "278359a6-04b7-4669-9468-924cf580964a"
	r = gw.Query(`mutation($s: ID!, $r: ID!) { exportPotentialRole(sessionId: $s, potentialRoleId: $r) { exportId } }`, map[string]any{"s": g.session, "r": g.role})
	var e struct{ ExportPotentialRole struct{ ExportID string } }
	if err := json.Unmarshal(r.Data, &e); err != nil || e.ExportPotentialRole.ExportID == "" {
		t.Fatalf("exportPotentialRole: %s %+v", r.Data, r.Errors)
	}
	g.exports = []string{e.ExportPotentialRole.ExportID}
}

// vars builds the variables from name, value pairs; a value of absent
// leaves the variable out (null by default), which differs from an
// explicit null only to the GraphQL layer.
func (g *gen) vars(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != absent {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

type absentValue struct{}

var absent any = absentValue{}

func (g *gen) pct(p int) bool { return g.r.IntN(100) < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// optional leaves a nullable argument out or null now and then.
func (g *gen) optional(v func() any) any {
	switch g.r.IntN(10) {
	case 0:
		return absent
	case 1:
		return nil
	}
	return v()
}

func (g *gen) str() any {
	return g.optional(func() any {
		switch g.r.IntN(4) {
		case 0:
			return pick(g, nasty)
		case 1:
			return pick(g, nasty) + pick(g, nasty)
		case 2:
			return g.randomString(g.r.IntN(12))
		}
		return pick(g, []string{"Ada", "a", "A", "Z", "Bauer", "Active Directory", "groups", "admin"})
	})
}

// randomString draws runes from ASCII, Latin-1, astral planes and the
// characters URLs and the filter grammar give meaning to.
func (g *gen) randomString(n int) string {
	var b strings.Builder
	for range n {
		switch g.r.IntN(5) {
		case 0:
			const special = `"\/?#&=%+ ,()~.'*:`
			b.WriteByte(special[g.r.IntN(len(special))])
		case 1:
			b.WriteRune(rune(0x80 + g.r.IntN(0x780)))
		case 2:
			b.WriteRune(rune(0x1f300 + g.r.IntN(0x300)))
		case 3:
			b.WriteRune(rune(g.r.IntN(0x20)))
		default:
			b.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	return b.String()
}

func (g *gen) boolean() any { return g.optional(func() any { return g.pct(50) }) }

func (g *gen) first() any {
	return g.optional(func() any {
		if g.pct(60) {
			return pick(g, []int{0, 1, 2, 3, 10, 49, 50, 51, 249, 250, 251, 499, 500, 999, 1000, 1001, -1, -1000, math.MaxInt32, math.MinInt32, 1 << 40})
		}
		return g.r.IntN(40)
	})
}

func (g *gen) cursor() any {
	return g.optional(func() any {
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		switch g.r.IntN(4) {
		case 0:
			return pick(g, nasty)
		case 1:
			return enc("offset:" + pick(g, []string{"-1", "+3", "007", " 1", "1e3", "9223372036854775807", "9223372036854775808", "2147483646", "2147483647", "2147483648", ""}))
		}
		return enc("offset:" + strconv.Itoa(pick(g, []int{0, 1, 5, 48, 49, 120, 248, 249, 250, 1000, 100000, math.MaxInt32 - 1000, math.MaxInt32 - 2})))
	})
}

// enum is a nullable enum argument's value: a valid name mostly, else one
// spelt in another case (gqlparser lets that through validation) or one
// the schema does not have.
func (g *gen) enum(names []string) any {
	return g.optional(func() any { return g.requiredEnum(names) })
}

func (g *gen) requiredEnum(names []string) any {
	switch g.r.IntN(20) {
	case 0:
		return strings.ToLower(pick(g, names))
	case 1:
		return pick(g, []string{"", "FOO", "account ", "Account"})
	}
	return pick(g, names)
}

func (g *gen) list(item func() any) any {
	return g.optional(func() any {
		n := g.r.IntN(4)
		if g.pct(3) {
			n = 100 + g.r.IntN(200)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = item()
		}
		return out
	})
}

func (g *gen) eventType() any {
	if g.pct(70) {
		return pick(g, eventTypeNames)
	}
	return pick(g, nasty)
}

func (g *gen) date() any { return g.optional(func() any { return g.requiredDate() }) }

// requiredDate is a DateTime: mostly within the tenant's history, else at
// the edges of time, in other zones and precisions, or not a date at all.
func (g *gen) requiredDate() any {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, []string{"0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59Z",
			"2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T00:00:00", "yesterday", "", "2024-01-01T00:00:00+24:00",
			"-0001-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2024-01-01t00:00:00z", "2024-06-30T23:59:60Z", " 2024-01-01T00:00:00Z"})
	case 1:
		return time.Now().Add(time.Duration(g.r.IntN(1000)) * time.Hour).Format(time.RFC3339)
	}
	return g.pastTime().Format(pick(g, []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00"}))
}

func (g *gen) pastDate() any { return g.pastTime().Format(time.RFC3339) }

func (g *gen) pastTime() time.Time {
	t := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.Int64N(int64(8 * 365 * 24 * time.Hour))))
	zone := time.FixedZone("", (g.r.IntN(57)-28)*30*60)
	return t.Add(time.Duration(g.r.IntN(1000)) * time.Millisecond).In(zone)
}

func (g *gen) timeZone() any {
	return g.optional(func() any {
		if g.pct(70) {
			return pick(g, zones)
		}
		return pick(g, nasty)
	})
}

func (g *gen) idFrom(pool []string) any {
	if g.pct(75) {
		return pick(g, pool)
	}
	return pick(g, nasty)
}

func (g *gen) identityID() any { return g.idFrom(g.identities) }
func (g *gen) taskID() any     { return g.idFrom(g.tasks) }
func (g *gen) reportID() any   { return g.idFrom(g.reports) }

func (g *gen) uuid() string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.r.Uint32(), g.r.Uint32()&0xffff, g.r.Uint32()&0xffff, g.r.Uint32()&0xffff, g.r.Uint64()&0xffffffffffff)
}

func (g *gen) uuidFrom(known string) any {
	switch g.r.IntN(6) {
	case 0:
		return g.uuid()
	case 1:
		return strings.ToUpper(known)
	case 2:
		return pick(g, nasty)
	}
	return known
}

func (g *gen) sessionID() any { return g.uuidFrom(g.session) }
func (g *gen) roleID() any    { return g.uuidFrom(g.role) }
func (g *gen) exportID() any  { return g.uuidFrom(pick(g, g.exports)) }

func (g *gen) popularity() any {
	return g.optional(func() any {
		return pick(g, []int{0, 1, 50, 99, 100, 101, -1, math.MaxInt32, math.MinInt32, g.r.IntN(101)})
	})
}

func (g *gen) itemFilter() any {
	return g.optional(func() any {
		m := map[string]any{}
		for _, f := range []struct {
			name string
			v    func() any
		}{{"source", g.str}, {"attribute", g.str}, {"standalone", g.boolean}, {"privileged", g.boolean}, {"cloudGoverned", g.boolean}} {
			if g.pct(40) {
				if v := f.v(); v != absent {
					m[f.name] = v
				}
			}
		}
		if g.pct(2) {
			m["name"] = "x" // no such input field: refused by validation
		}
		return m
	})
}

func (g *gen) itemOrder() any {
	return g.list(func() any {
		m := map[string]any{"field": g.requiredEnum(itemSorts)}
		if d := g.enum(directions); d != absent {
			m["direction"] = d
		}
		return m
	})
}

func (g *gen) taskFilter() any {
	return g.optional(func() any {
		m := map[string]any{}
		for name, item := range map[string]func() any{
			"id":               g.taskID,
			"sourceId":         func() any { return pick(g, nasty) },
			"completionStatus": func() any { return g.requiredEnum(statuses) },
			"type":             func() any { return g.requiredEnum(taskTypes) },
		} {
			if g.pct(40) {
				if v := g.list(item); v != absent {
					m[name] = v
				}
			}
		}
		return m
	})
}

func (g *gen) taskOrder() any {
	return g.list(func() any {
		m := map[string]any{"field": g.requiredEnum([]string{"CREATED"})}
		if d := g.enum(directions); d != absent {
			m["direction"] = d
		}
		return m
	})
}

// patch is a JSON Patch document: operations of every kind on the task's
// fields and on paths that are none, with values of every JSON shape.
func (g *gen) patch() any {
	n := g.r.IntN(4)
	if g.pct(10) {
		n = 0
	}
	ops := make([]any, n)
	for i := range ops {
		o := map[string]any{"op": g.requiredEnum(patchOps), "path": pick(g, patchPaths)}
		if g.pct(10) {
			o["path"] = pick(g, nasty)
		}
		if g.pct(85) {
			o["value"] = g.patchValue()
		}
		ops[i] = o
	}
	return ops
}

func (g *gen) patchValue() any {
	switch g.r.IntN(6) {
	case 0:
		return pick(g, []any{"Error", "SUCCESS", "error", "Sideways", "", "stuck", "2024-05-17T19:33:16.470Z", "2024-05-17"})
	case 1:
		return pick(g, []any{0, 40, 100, 101, -1, 1.5, 40.0, json.Number("4e1"), json.Number("1e999"), math.MaxInt64, 1e300})
	}
	return g.json(3)
}

func (g *gen) json(depth int) any {
	k := g.r.IntN(7)
	if depth == 0 {
		k = g.r.IntN(4)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return g.pct(50)
	case 2:
		if g.pct(50) {
			return g.r.IntN(200) - 50
		}
		return g.r.NormFloat64() * 1e6
	case 3:
		return pick(g, nasty)
	case 4, 5:
		out := make([]any, g.r.IntN(4))
		for i := range out {
			out[i] = g.json(depth - 1)
		}
		return out
	}
	m := map[string]any{}
	for range g.r.IntN(4) {
		m[pick(g, nasty)] = g.json(depth - 1)
	}
	return m
}

// reportInput is a StartReportInput: the report type with its own
// arguments mostly, else with another type's, none, or bad ones.
func (g *gen) reportInput() any {
	typ := g.requiredEnum(reportTypes)
	in := map[string]any{"reportType": typ}
	args := map[string]func() any{
		"accounts": func() any {
			return map[string]any{"application": g.idFrom([]string{"2c9180897e7742b2017e781782f705b9"}), "sourceName": g.idFrom([]string{"Active Directory"})}
		},
		"identitiesDetails":            func() any { return map[string]any{"correlatedOnly": g.pct(50)} },
		"identities":                   func() any { return map[string]any{"correlatedOnly": g.boolean()} },
		"identityProfileIdentityError": func() any { return map[string]any{"authoritativeSource": g.idFrom([]string{"1234sourceId5678902"})} },
		"orphanIdentities": func() any {
			return map[string]any{"selectedFormats": g.list(func() any { return g.requiredEnum(reportFormats) })}
		},
		"uncorrelatedAccounts": func() any {
			return map[string]any{"selectedFormats": g.list(func() any { return g.requiredEnum(reportFormats) })}
		},
		"searchExport": func() any {
			return map[string]any{
				"query":   g.idFrom([]string{"name:a*", "attributes.city:London", "*"}),
				"indices": g.list(func() any { return g.requiredEnum(searchIndices) }),
				"columns": g.str(),
				"sort":    g.list(func() any { return g.idFrom([]string{"displayName", "+id", "-name", "firstName"}) }),
			}
		},
	}
	own := map[string]string{"ACCOUNTS": "accounts", "IDENTITIES_DETAILS": "identitiesDetails", "IDENTITIES": "identities",
		"IDENTITY_PROFILE_IDENTITY_ERROR": "identityProfileIdentityError", "ORPHAN_IDENTITIES": "orphanIdentities",
		"SEARCH_EXPORT": "searchExport", "UNCORRELATED_ACCOUNTS": "uncorrelatedAccounts"}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range args {
			if !yield(k) {
				return
			}
		}
	})
	if s, ok := typ.(string); ok && own[s] != "" && g.pct(80) {
		in[own[s]] = args[own[s]]()
	}
	if g.pct(15) {
		name := pick(g, names)
		in[name] = args[name]()
	}
	// Values left absent are left out of the input objects.
	for _, v := range in {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				if x == absent {
					delete(m, k)
				}
			}
		}
	}
	return in
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 2000 {
		b = append(b[:2000], "..."...)
	}
	return string(b)
}
