package graphiql

// DefaultExamples are the questions sailgraph's page offers first: an
// identity page, an analyst's snapshot diff, the tasks still running and a
// report run. They name identities by the start of their names rather
// than by id, so they answer on any tenant; the values in their variables
// find data in the embedded simulated tenant (seed 1).
func DefaultExamples() []Example {
	return []Example{
		{
			Title:       "An identity page",
			Description: "Identities whose name starts with the given text, with how much access each holds, one page at a time.",
			Query: `# Identities whose first, last or display name starts with $startsWith.
# For the next page, pass pageInfo.endCursor as $after.
query IdentityPage($startsWith: String, $first: Int = 5, $after: String) {
  identities(startsWith: $startsWith, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      displayName
      active
      accessItemCounts { type count }
    }
  }
}
`,
			Variables: `{"startsWith": "Ada"}`,
		},
		{
			Title:       "What changed between two snapshots",
			Description: "An analyst's diff: the access an identity gained and lost between two dates.",
			Query: `# The access $name gained and lost between the snapshots at $from and $to.
query SnapshotDiff($name: String!, $from: DateTime!, $to: DateTime!) {
  identities(startsWith: $name, first: 1) {
    nodes {
      displayName
      compare(snapshot1: $from, snapshot2: $to) { accessType added removed }
      gained: accessDiff(accessType: ENTITLEMENT, snapshot1: $from, snapshot2: $to, associated: true, first: 5) {
        nodes { displayName sourceName }
      }
      lost: accessDiff(accessType: ENTITLEMENT, snapshot1: $from, snapshot2: $to, associated: false, first: 5) {
        nodes { displayName sourceName }
      }
    }
  }
}
`,
			Variables: `{"name": "Ada Bauer", "from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}`,
		},
		{
			Title:       "Tasks still running",
			Description: "How many background tasks are pending, and the first of them.",
			Query: `# Background tasks (aggregations, refreshes, ...) that have not finished.
query PendingTasks {
  pendingTaskCount
  pendingTasks(first: 10) {
    nodes { uniqueName type launched percentComplete progress target { name } }
  }
}
`,
		},
		{
			Title:       "Run a report",
			Description: "Starts an identities report; ask for report(taskResultId:) with the answered id until it has finished.",
			Query: `# Starts a report on the tenant. Ask for its progress with
#   query { report(taskResultId: "<id>") { status rows downloadUrl(format: CSV) } }
mutation RunIdentitiesReport {
  startReport(input: { reportType: IDENTITIES, identities: { correlatedOnly: true } }) {
    id
    taskDefName
    created
    report { status availableFormats csv: downloadUrl(format: CSV) }
  }
}
`,
		},
	}
}
