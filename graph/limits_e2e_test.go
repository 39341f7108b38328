package graph_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/sailgraph/sailgraph/graph"
	"github.com/sailgraph/sailgraph/graphiql"
	"github.com/sailgraph/sailgraph/simtenant"
)

// The README's example queries, and the examples GraphiQL offers, run
// under the default document limits against the simulated tenant the
// README describes (seed 1, 2000 identities) without an error.
func TestExamplesPassTheDefaultLimits(t *testing.T) {
	e := newEnv(t, simtenant.Options{Seed: 1, Identities: 2000}, graph.Options{})
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type example struct {
		name, query string
		vars        map[string]any
	}
	var examples []example
	for _, m := range regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		examples = append(examples, example{name: "README " + regexp.MustCompile(`query (\w+)`).FindStringSubmatch(m[1])[1], query: m[1]})
	}
	if len(examples) < 3 {
		t.Fatalf("%d graphql blocks in the README", len(examples))
	}
	for _, ex := range graphiql.DefaultExamples() {
		var vars map[string]any
		if ex.Variables != "" {
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
				t.Fatal(err)
			}
		}
		examples = append(examples, example{name: "GraphiQL " + ex.Title, query: ex.Query, vars: vars})
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			r := e.query(ex.query, ex.vars)
			if r.status != http.StatusOK || len(r.Errors) > 0 || len(r.Data) == 0 {
				t.Fatalf("%d %+v", r.status, r.Errors)
			}
		})
	}
}
