// Package resolvers holds sailgraph's GraphQL resolvers. They are thin:
// each calls a loader or an upstream client through the small interfaces
// in Resolver and maps the result.
package resolvers

// Resolver holds the resolvers' dependencies.
type Resolver struct {
	// Tenant is the tenant's API host, or "simulated".
	Tenant    string
	Simulated bool
}
