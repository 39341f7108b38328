package main

// gqlgen reads gqlgen.yml here at the root and rebuilds graph/generated and
// graph/model/models_gen.go from graph/*.graphqls.
//go:generate go tool gqlgen generate
