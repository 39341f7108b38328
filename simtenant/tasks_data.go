package simtenant

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The task data set: several hundred tasks created over the last 120 days,
// so that the 90-day cut hides about a quarter of them.
const (
	taskCount = 640
	taskSpan  = 120 * 24 * time.Hour
)

// taskKind is one kind of background task the tenant runs.
type taskKind struct {
	uniqueName, description string
	code                    string // the kind's name in v1's type filter; "" for none
	typ                     string
	parentName              string // "" for none
	target                  string // targetApp, targetIdentity, or "" for none
	executor                string // "" for none
	arguments               map[string]any
	returns                 []taskReturn
	running                 string // progress text while running
	weight                  int
}

func taskKinds() []taskKind {
	aggReturns := []taskReturn{
		{name: "Accounts Scanned", attributeName: "total"},
		{name: "Accounts Added", attributeName: "created"},
		{name: "Accounts Updated", attributeName: "updated"},
		{name: "Accounts Removed", attributeName: "deleted"},
	}
	return []taskKind{
		{
			uniqueName: "Cloud Account Aggregation", code: "CLOUD_ACCOUNT_AGGREGATION", typ: taskQuartz, parentName: "Cloud Account Aggregation",
			description: "Aggregates accounts from the specified source.", target: targetApp,
			executor: "sailpoint.task.ServiceTaskExecutor",
			arguments: map[string]any{
				"mantisExecutor":  "com.sailpoint.mantis.sources.task.AccountAggregationTask",
				"eventClassesCsv": "sailpoint.thunderbolt.events.AggregationEvents",
				"serviceClass":    "sailpoint.thunderbolt.service.AggregationService",
				"serviceMethod":   "accountAggregationTask",
			},
			returns: aggReturns, running: "Aggregating accounts", weight: 35,
		},
		{
			uniqueName: "Cloud Group Aggregation", code: "CLOUD_GROUP_AGGREGATION", typ: taskQuartz, parentName: "Cloud Group Aggregation",
			description: "Aggregates entitlements (groups) from the specified source.", target: targetApp,
			executor:  "sailpoint.task.ServiceTaskExecutor",
			arguments: map[string]any{"serviceMethod": "groupAggregationTask"},
			returns:   []taskReturn{{name: "Groups Scanned", attributeName: "total"}},
			running:   "Aggregating groups", weight: 15,
		},
		{
			uniqueName: "Identity Refresh", code: "IDENTITY_REFRESH", typ: taskQPOC, description: "Refreshes the attributes, roles and access of all identities.",
			arguments: map[string]any{"refreshScope": "all"},
			returns:   []taskReturn{{name: "Identities Refreshed", attributeName: "identityCount"}},
			running:   "Refreshing identities", weight: 20,
		},
		{
			uniqueName: "Refresh Identity", code: "IDENTITY_REFRESH", typ: taskQPOC, parentName: "Identity Refresh",
			description: "Refreshes one identity after a change.", target: targetIdentity,
			arguments: map[string]any{"refreshScope": "identity"},
			returns:   []taskReturn{{name: "Identities Refreshed", attributeName: "identityCount"}},
			running:   "Refreshing identity", weight: 10,
		},
		{
			uniqueName: "Cloud Process Uncorrelated Accounts", code: "CLOUD_PROCESS_UNCORRELATED_ACCOUNTS", typ: taskQueued, parentName: "Cloud Process Uncorrelated Accounts",
			description: "Correlates accounts that no identity owns yet.", target: targetApp,
			executor:  "sailpoint.task.ServiceTaskExecutor",
			arguments: map[string]any{"serviceMethod": "processUncorrelatedAccounts"},
			returns:   []taskReturn{{name: "Accounts Correlated", attributeName: "correlated"}},
			running:   "Correlating accounts", weight: 10,
		},
		{
			uniqueName: "Manager Correlation", typ: taskQueued, description: "Links identities to their managers from source data.",
			target: targetApp, arguments: map[string]any{},
			returns: []taskReturn{{name: "Managers Correlated", attributeName: "correlated"}},
			running: "Correlating managers", weight: 10,
		},
	}
}

var (
	taskSourceNames = []string{"Active Directory", "Workday", "ServiceNow", "Salesforce", "Okta", "GitHub", "SAP ERP", "Google Workspace"}
	taskFirstNames  = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"}
	taskLastNames   = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Berners-Lee"}
)

// taskGen holds what generating tasks needs besides the random source.
type taskGen struct {
	rng     *rand.Rand
	now     time.Time
	sources []taskTarget
	admins  []string
	kinds   []taskKind
	defs    []*taskDefinition // parallel to kinds
	total   int               // sum of kind weights
}

// generateTasks builds the task data set for seed, created over the
// taskSpan before now, oldest first.
func generateTasks(seed uint64, now time.Time) []*task {
	rng := rand.New(rand.NewPCG(seed, 0x7a5c))
	g := &taskGen{rng: rng, now: now.UTC().Truncate(time.Millisecond), kinds: taskKinds()}
	for _, name := range taskSourceNames {
		g.sources = append(g.sources, taskTarget{id: hexID32(rng), typ: targetApp, name: name + " [source]"})
	}
	for range 3 {
		g.admins = append(g.admins, hexID32(rng))
	}
	for _, k := range g.kinds {
		d := &taskDefinition{id: hexID32(rng), uniqueName: k.uniqueName, parentName: k.uniqueName, arguments: k.arguments, code: k.code}
		if k.parentName != "" {
			d.parentName = k.parentName
		}
		d.description = ptrTo(k.description)
		if k.executor != "" {
			d.executor = ptrTo(k.executor)
		}
		g.defs = append(g.defs, d)
		g.total += k.weight
	}
	created := make([]time.Time, taskCount)
	for i := range created {
		created[i] = g.now.Add(-time.Duration(rng.Int64N(int64(taskSpan)))).Truncate(time.Millisecond)
	}
	slices.SortFunc(created, time.Time.Compare)
	tasks := make([]*task, len(created))
	for i, c := range created {
		tasks[i] = g.task(c)
	}
	return tasks
}

// task draws one task created at c.
func (g *taskGen) task(c time.Time) *task {
	rng := g.rng
	ki := g.pickKind()
	k := g.kinds[ki]
	ts := &task{
		id: hexID32(rng), typ: k.typ, uniqueName: k.uniqueName, description: k.description,
		launcher: "sweep", created: c, returns: k.returns, definition: g.defs[ki],
		attributes: map[string]any{},
	}
	if k.parentName != "" {
		ts.parentName = ptrTo(k.parentName)
	}
	if k.typ != taskQuartz || rng.IntN(4) == 0 {
		ts.launcher = g.admins[rng.IntN(len(g.admins))]
	}
	switch k.target {
	case targetApp:
		src := g.sources[rng.IntN(len(g.sources))]
		ts.target = &src
		ts.attributes["appId"] = src.id
		ts.attributes["sourceName"] = src.name
	case targetIdentity:
		name := taskFirstNames[rng.IntN(len(taskFirstNames))] + " " + taskLastNames[rng.IntN(len(taskLastNames))]
		ts.target = &taskTarget{id: hexID32(rng), typ: targetIdentity, name: name}
		ts.attributes["identityId"] = ts.target.id
	}
	age := g.now.Sub(c)
	if age < 48*time.Hour && rng.IntN(2) == 0 || rng.IntN(20) == 0 {
		g.pending(ts, k, age)
	} else {
		g.completed(ts, age)
	}
	return ts
}

func (g *taskGen) pickKind() int {
	n := g.rng.IntN(g.total)
	for i, k := range g.kinds {
		if n < k.weight {
			return i
		}
		n -= k.weight
	}
	return len(g.kinds) - 1
}

// pending makes ts a task still queued or running at generation time.
func (g *taskGen) pending(ts *task, k taskKind, age time.Duration) {
	rng := g.rng
	ts.modified = ptrTo(ts.created)
	if ts.typ == taskQueued && rng.IntN(2) == 0 {
		ts.progress = ptrTo("Queued")
		return
	}
	launched := ts.created.Add(g.fraction(age, 30*time.Second))
	modified := launched.Add(g.fraction(g.now.Sub(launched), time.Hour))
	ts.launched, ts.modified = &launched, &modified
	ts.progress = ptrTo(k.running)
	ts.percentComplete = 1 + rng.IntN(99)
	ts.messages = []taskMessage{{typ: "INFO", key: "task_started", text: "Task started."}}
}

// completed makes ts a task that finished with one of the completion
// statuses, with the messages and attributes that status brings.
func (g *taskGen) completed(ts *task, age time.Duration) {
	rng := g.rng
	launched := ts.created.Add(g.fraction(age/4, 30*time.Second))
	done := launched.Add(g.fraction(age/2, 2*time.Hour))
	ts.launched, ts.completed, ts.modified = &launched, &done, &done

	var status string
	switch n := rng.IntN(100); {
	case n < 70:
		status = statusSuccess
	case n < 82:
		status = statusWarning
	case n < 90:
		status = statusError
	case n < 95:
		status = statusTerm
	default:
		status = statusTempErr
	}
	ts.completionStatus = ptrTo(status)
	ts.percentComplete = 100
	ts.progress = ptrTo("Completed")
	switch status {
	case statusSuccess, statusWarning:
		g.results(ts)
	}
	where := "the source"
	if ts.target != nil {
		where = ts.target.name
	}
	switch status {
	case statusWarning:
		n := 1 + rng.IntN(40)
		ts.messages = []taskMessage{{
			typ: "WARN", key: "task_warn_uncorrelated",
			text:       fmt.Sprintf("%d accounts could not be correlated to an identity.", n),
			parameters: []any{map[string]any{"count": n}},
		}}
	case statusError:
		ts.percentComplete = rng.IntN(100)
		ts.progress = ptrTo("Failed")
		ts.messages = []taskMessage{{
			typ: "ERROR", key: "task_error_connection",
			text:       fmt.Sprintf("Connection to %s failed: connection timed out.", where),
			parameters: []any{where},
		}}
	case statusTempErr:
		ts.percentComplete = rng.IntN(100)
		ts.progress = ptrTo("Failed")
		ts.messages = []taskMessage{{typ: "ERROR", key: "task_error_temporary", text: "The task hit a temporary error and will be retried."}}
	case statusTerm:
		ts.percentComplete = rng.IntN(100)
		ts.progress = ptrTo("Terminated")
		ts.messages = []taskMessage{{typ: "INFO", key: "task_terminated", text: "The task was terminated by an administrator."}}
	}
}

// results records a finished task's counts under its returns' names.
func (g *taskGen) results(ts *task) {
	for _, rt := range ts.returns {
		ts.attributes[rt.attributeName] = g.rng.IntN(5000)
	}
	if ts.typ == taskQPOC && ts.target != nil {
		ts.attributes["identityCount"] = 1
	}
}

// fraction draws a duration up to ceiling, but never more than limit.
func (g *taskGen) fraction(limit, ceiling time.Duration) time.Duration {
	d := min(limit, ceiling)
	if d <= 0 {
		return 0
	}
	return time.Duration(g.rng.Int64N(int64(d))).Truncate(time.Millisecond)
}

func ptrTo[T any](v T) *T { return &v }
