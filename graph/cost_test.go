package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/sailgraph/sailgraph/graph/generated"
	"github.com/sailgraph/sailgraph/graph/resolvers"
)

func testSchema() *ast.Schema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: &resolvers.Resolver{}}).Schema()
}

func TestCostEstimates(t *testing.T) {
	schema := testSchema()
	model := newCostModel(schema)
	tests := []struct {
		name  string
		query string
		vars  string
		want  int
	}{
		{"no upstream field", `{ gateway { tenant } }`, "", 0},
		{"one identity", `{ identity(id: "a") { id displayName } }`, "", 1},
		{"detail fields share one call", `{ identities(first: 10) { nodes { attributes snapshotDate accessItemCounts { count } } } }`, "", 1 + 10},
		{"identity page", `{ identity(id: "a") { startDate
			accessItems(first: 20) { totalCount nodes { id } }
			events(first: 20) { nodes { eventType } }
			snapshots(first: 20) { edges { node { date } } } } }`, "", 1 + 1 + 1 + 1 + 1},
		{"pages of 250", `{ identities(first: 600) { nodes { id } pageInfo { hasNextPage } } }`, "", 3},
		{"default page size", `{ identities { nodes { startDate } } }`, "", 1 + resolvers.DefaultFirst},
		{"list sizes times nested fields", `{ identities(first: 100) { nodes { startDate events(first: 10) { totalCount } } } }`, "", 1 + 100*2},
		{"nested connections multiply", `{ identities(first: 10) { nodes { snapshots(first: 5) { nodes { accessItems { id } } } } } }`, "", 1 + 10*(1+5*1)},
		{"first from a variable", `query Q($n: Int) { tasks(first: $n) { nodes { id } } }`, `{"n": 300}`, 2},
		{"first clamped to the maximum", `{ tasks(first: 50000) { nodes { id } } }`, "", 4},
		{"fragments count", `{ identity(id: "a") { ...F } } fragment F on Identity { startDate ... on Identity { compare { added } } }`, "", 3},
		{"aliases count apiece", `{ a: task(id: "1") { id } b: task(id: "2") { id } }`, "", 2},
		{"mutation", `mutation { startReport(input: {reportType: IDENTITIES}) { id report { status } } }`, "", 2},
		{"introspection is free", `{ __schema { types { name } } __typename }`, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
			if errs != nil {
				t.Fatal(errs)
			}
			op := doc.Operations[0]
			vars := map[string]any{}
			if tt.vars != "" {
				var raw map[string]any
				dec := json.NewDecoder(strings.NewReader(tt.vars))
				dec.UseNumber() // as the transports decode
				if err := dec.Decode(&raw); err != nil {
					t.Fatal(err)
				}
				v, err := validator.VariableValues(schema, op, raw)
				if err != nil {
					t.Fatal(err)
				}
				vars = v
			}
			if got := model.estimate(op, vars); got != tt.want {
				t.Errorf("estimate = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCostSaturates(t *testing.T) {
	if satMul(costCap, 2) != costCap || satAdd(costCap, costCap) != costCap || satMul(0, costCap) != 0 {
		t.Fatal("cost arithmetic overflows")
	}
}

func TestCostModelReadsEverySchemaDirective(t *testing.T) {
	m := newCostModel(testSchema())
	for key, want := range map[string]fieldCost{
		"Query.identity":       {calls: 1},
		"Query.identities":     {calls: 1, paged: true},
		"Identity.attributes":  {calls: 1, group: "identity"},
		"Identity.accessItems": {calls: 1, paged: true},
		"Mutation.startReport": {calls: 1},
	} {
		if got := m.fields[key]; got != want {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}
	if _, ok := m.fields["Identity.displayName"]; ok {
		t.Error("a plain field has a cost")
	}
}

// Every root field is nullable, so that one refused or failed root field
// costs only itself, never the whole answer.
func TestRootFieldsAreNullable(t *testing.T) {
	schema := testSchema()
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if f.Type.NonNull {
				t.Errorf("%s.%s is %s: a root field must be nullable", root.Name, f.Name, f.Type)
			}
		}
	}
}

// Every field that makes its own upstream call (@cost) is nullable too:
// it can fail alone (the tenant's budget, a bad argument, an outage), and
// its error must cost only itself, not the object around it.
func TestFieldsThatCallTheTenantAreNullable(t *testing.T) {
	schema := testSchema()
	n := 0
	for _, def := range schema.Types {
		// A subscription has one root field and its events stand alone; its
		// types are a contract (issue: live progress) and a failure ends
		// the stream with its error.
		if schema.Subscription != nil && def.Name == schema.Subscription.Name {
			continue
		}
		for _, f := range def.Fields {
			if f.Directives.ForName("cost") == nil {
				continue
			}
			n++
			if f.Type.NonNull {
				t.Errorf("%s.%s is %s: a field that calls the tenant must be nullable", def.Name, f.Name, f.Type)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d fields carry @cost: the schema's directives were not read", n)
	}
}
