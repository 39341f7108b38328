// Package model holds the GraphQL layer's types: models_gen.go, generated
// by gqlgen from graph/*.graphqls, and hand-written models that gqlgen
// picks up by autobind.
package model
