package isc

import "github.com/sailgraph/sailgraph/upstream/op"

// testOp is an operation outside the table, served by the legacy
// generation at template.
func testOp(name, method, template string) *op.Operation {
	return op.Define(op.Operation{Name: name, Method: method, Family: op.History,
		Paths: [2]op.Path{{Template: template, API: op.Beta}}})
}
