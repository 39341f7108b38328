// Package op is the one table of the upstream operations the gateway
// calls: for each of them its name, method, path in each API generation,
// the API whose rate budget it spends, whether it streams a file, its
// page size, how the cache treats its answers and the scopes a caller
// needs. Every other part of the gateway reads these facts from here.
//
// A typed client names its operation once, when it builds a request, and
// puts it in the request's context (With); the REST side matches an
// inbound path once (Match) and does the same. Every transport layer then
// reads the Call from the context (From) instead of parsing the URL
// again.
package op

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// MaxPageSize is the largest page a SailPoint list operation serves
// (limit=250), and the page size the gateway asks for when it reads a
// whole list.
const MaxPageSize = 250

// Family is an upstream API family: the resources one SailPoint API
// serves, whatever its generation.
type Family uint8

// The families.
const (
	History    Family = iota + 1 // identity history
	Tasks                        // task management (task status)
	Reports                      // reports data extraction
	RoleMining                   // IAI role mining: potential-role exports
)

// Families lists every family, in a stable order.
func Families() []Family { return []Family{History, Tasks, Reports, RoleMining} }

var familyNames = [...]string{History: "history", Tasks: "tasks", Reports: "reports", RoleMining: "rolemining"}

// String names the family as configuration spells it.
func (f Family) String() string {
	if int(f) < len(familyNames) && familyNames[f] != "" {
		return familyNames[f]
	}
	return "unknown"
}

// Generation is an upstream API generation.
type Generation uint8

// The generations.
const (
	// Legacy is the year-versioned trees SailPoint has frozen: /beta and
	// /v2024.
	Legacy Generation = iota
	// V1 is the per-resource APIs that replace them, such as
	// /historical-identities/v1.
	V1
)

// Generations lists both, oldest first.
func Generations() []Generation { return []Generation{Legacy, V1} }

// String names the generation as configuration spells it.
func (g Generation) String() string {
	if g == V1 {
		return "v1"
	}
	return "legacy"
}

// API is what SailPoint counts a rate budget per (with the client id): an
// API version of the legacy trees, or one per-resource v1 API.
type API string

// The APIs.
const (
	Beta         API = "beta"
	V2024        API = "v2024"
	HistoryV1    API = "history-v1"
	TasksV1      API = "tasks-v1"
	ReportsV1    API = "reports-v1"
	RoleMiningV1 API = "rolemining-v1"
)

// APIs lists every API, in a stable order.
func APIs() []API { return []API{Beta, V2024, HistoryV1, TasksV1, ReportsV1, RoleMiningV1} }

// Class says how the cache treats an operation's answers. The cache layer
// decides the lifetime of each answer from its Class and its content.
type Class uint8

// The classes.
const (
	// NoCache: never stored (mutations, downloads, HEAD).
	NoCache Class = iota
	// HistoryNow: identity history as of now (slow data).
	HistoryNow
	// Snapshot: identity history at the {date} path parameter: immutable
	// once the date has settled.
	Snapshot
	// Task: one task; immutable once it has a completionStatus.
	Task
	// TaskList: a list of tasks; slow while every task in it has finished.
	TaskList
	// Pending: pending tasks (volatile).
	Pending
	// ReportResult: a report run's state; immutable once it has a final
	// status.
	ReportResult
	// ExportStatus: a role-mining export's state; immutable once SUCCESS
	// or ERROR.
	ExportStatus
)

// Namespace names a group of cached reads that one mutation drops at
// once, by starting a new generation of the group.
type Namespace uint8

// The namespaces.
const (
	// NoNamespace: the read is dropped by no mutation; its lifetime alone
	// ends it.
	NoNamespace Namespace = iota
	// TaskReads: every task read of a tenant (one task, every list, the
	// pending list), which come in unbounded variants; a task PATCH drops
	// them all.
	TaskReads
	// ReportRun: the reads of one report run (by its id path parameter);
	// cancelling the report drops them.
	ReportRun
)

// Path is where an operation lives in one generation.
type Path struct {
	// Template is the path under the tenant root with {name} parameters,
	// e.g. "/beta/task-status/{id}".
	Template string
	// API is whose budget the operation spends in this generation.
	API API
	// OperationID is the spec's operationId in this generation.
	OperationID string
	// Experimental: the spec requires the header
	// X-SailPoint-Experimental: true.
	Experimental bool

	segs  []string // Template split, for matching
	names []string // the parameters' names, in order
}

// Served reports whether the generation has the operation.
func (p Path) Served() bool { return p.Template != "" }

// Operation is one upstream operation.
type Operation struct {
	// Name is the legacy operationId, e.g. "getTaskStatus": the gateway's
	// name for the operation in every generation (metrics, logs, cache
	// keys carry the generation separately).
	Name   string
	Family Family
	Method string
	// Paths by Generation; a zero Path means the generation does not
	// serve the operation.
	Paths [2]Path
	// Download: the answer is a file, streamed to the caller, never read
	// whole, shared or cached.
	Download bool
	// PageSize is the most items one call returns (MaxPageSize), for list
	// operations; 0 for the rest.
	PageSize int
	// Cache is how the cache treats its answers.
	Cache Class
	// Namespace is the group its reads are cached in; Drops is the group a
	// mutation drops.
	Namespace Namespace
	Drops     Namespace
	// Scopes are the gateway scopes of which a caller needs any one, as in
	// the operation's `security` in the spec.
	Scopes []string
	// QueryDefaults are the values the tenant assumes for absent query
	// parameters (from the spec's schema defaults and descriptions), so
	// that a request that leaves one out and one that spells the default
	// are the same request.
	QueryDefaults map[string]string
	// SetParams are the query parameters that are sets: repeated, and
	// their order carries no meaning.
	SetParams []string
}

// Path returns where the operation lives in gen.
func (o *Operation) Path(gen Generation) Path { return o.Paths[gen] }

// Idempotent reports whether sending the operation twice does what
// sending it once does (GET and HEAD).
func (o *Operation) Idempotent() bool {
	return o.Method == http.MethodGet || o.Method == http.MethodHead
}

// Call is one request to an operation, as the transport layers see it.
type Call struct {
	Op  *Operation
	Gen Generation
	// Params are the values of the path parameters, in the template's
	// order.
	Params []string
}

// API is whose budget the call spends.
func (c *Call) API() API { return c.Op.Paths[c.Gen].API }

// Param returns the value of the path parameter name, "" if there is none.
func (c *Call) Param(name string) string {
	for i, n := range c.Op.Paths[c.Gen].names {
		if n == name && i < len(c.Params) {
			return c.Params[i]
		}
	}
	return ""
}

// Resource is what the call is about, for logs and stale notes: its first
// path parameter (an identity, task, report or export id), "" for lists.
func (c *Call) Resource() string {
	switch {
	case c.Op.Family == RoleMining && len(c.Params) == 3:
		return c.Params[2] // the export id
	case len(c.Params) > 0:
		return c.Params[0]
	}
	return ""
}

type ctxKey struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the call in ctx.
func From(ctx context.Context) (*Call, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Call)
	return c, ok
}

// FromRequest returns the call req's context carries.
func FromRequest(req *http.Request) (*Call, bool) { return From(req.Context()) }

// Match finds the operation for an inbound method and URL path, in either
// generation, such as "GET /beta/task-status/abc". Literal segments win
// over parameters, so "task-status/pending-tasks" is never read as a task
// id. It is the REST side's one entry point; everything after it reads the
// Call from the context.
func Match(method, path string) (*Call, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var (
		best    *Operation
		bestGen Generation
		bestLit = -1
	)
	for _, o := range table {
		if o.Method != method {
			continue
		}
		for _, gen := range Generations() {
			p := o.Paths[gen]
			if len(p.segs) != len(segs) {
				continue
			}
			if lit, ok := matchSegs(p.segs, segs); ok && lit > bestLit {
				best, bestGen, bestLit = o, gen, lit
			}
		}
	}
	if best == nil {
		return nil, false
	}
	return best.call(bestGen, segs), true
}

// Methods lists the methods of the operations that live at path: a
// request there with another method deserves 405, not 404.
func Methods(path string) (allow []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, o := range table {
		for _, gen := range Generations() {
			p := o.Paths[gen]
			if len(p.segs) != len(segs) {
				continue
			}
			if _, ok := matchSegs(p.segs, segs); ok && !slices.Contains(allow, o.Method) {
				allow = append(allow, o.Method)
			}
		}
	}
	slices.Sort(allow)
	return allow
}

// Roots lists the API roots of both generations, each once: "/beta",
// "/v2024", "/historical-identities/v1", ... (everything up to and
// including the version segment).
func Roots() []string {
	var out []string
	for _, o := range table {
		for _, p := range o.Paths {
			if !p.Served() {
				continue
			}
			n := 1
			for i, s := range p.segs {
				if s == "v1" {
					n = i + 1
					break
				}
			}
			root := "/" + strings.Join(p.segs[:n], "/")
			if !slices.Contains(out, root) {
				out = append(out, root)
			}
		}
	}
	return out
}

// Named returns the operation called name (its legacy operationId, or its
// operationId in any generation).
func Named(name string) (*Operation, bool) {
	for _, o := range table {
		if o.Name == name {
			return o, true
		}
		for _, p := range o.Paths {
			if p.OperationID == name && name != "" {
				return o, true
			}
		}
	}
	return nil, false
}

// All lists every operation, in the spec's order. The slice is the
// caller's; the operations are shared and must not be changed.
func All() []*Operation { return append([]*Operation(nil), table...) }

// Names lists every operation's Name, in the spec's order.
func Names() []string {
	out := make([]string, len(table))
	for i, o := range table {
		out[i] = o.Name
	}
	return out
}

func isParam(s string) bool { return len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' }

func matchSegs(pattern, segs []string) (literals int, ok bool) {
	for i, p := range pattern {
		switch {
		case isParam(p):
			// A dot segment is no parameter: the tenant would resolve it
			// to another path, hence another operation (isc.Expand refuses
			// it on the way out).
			if segs[i] == "" || segs[i] == "." || segs[i] == ".." {
				return 0, false
			}
		case p == segs[i]:
			literals++
		default:
			return 0, false
		}
	}
	return literals, true
}

// ParamNames are the path parameters' names in gen, in order.
func (o *Operation) ParamNames(gen Generation) []string { return o.Paths[gen].names }

// Define builds an operation outside the table, with its derived fields
// filled in, for tests of code that takes any operation. The gateway's
// own operations are the table's.
func Define(o Operation) *Operation {
	p := &o
	build([]*Operation{p})
	return p
}

// CallAt reads path as a request to o in gen: the call with its path
// parameters, or false when path is not o's. Callers that know the
// operation (a test naming it) use it; to find the operation of an
// arbitrary path, the REST side uses Match.
func (o *Operation) CallAt(gen Generation, path string) (*Call, bool) {
	p := o.Paths[gen]
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if !p.Served() || len(segs) != len(p.segs) {
		return nil, false
	}
	if _, ok := matchSegs(p.segs, segs); !ok {
		return nil, false
	}
	return o.call(gen, segs), true
}

// call is the call to o in gen of a path split into segs, which match
// o's template there.
func (o *Operation) call(gen Generation, segs []string) *Call {
	p := o.Paths[gen]
	c := &Call{Op: o, Gen: gen}
	if len(p.names) > 0 {
		c.Params = make([]string, 0, len(p.names))
	}
	for i, s := range p.segs {
		if isParam(s) {
			c.Params = append(c.Params, segs[i])
		}
	}
	return c
}
