package resolvers

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An argument value gqlgen's generated code refuses (an enum variable
// spelt in another case passes gqlparser's validation, then fails to
// unmarshal) is the caller's input: BAD_USER_INPUT, not INTERNAL. A plain
// error on the field itself stays INTERNAL.
func TestArgumentErrorsAreBadUserInput(t *testing.T) {
	field := &ast.Field{Alias: "accessItems", Name: "accessItems", Arguments: ast.ArgumentList{{Name: "type"}}}
	fc := &graphql.FieldContext{Field: graphql.CollectedField{Field: field}}
	ctx := graphql.WithFieldContext(context.Background(), fc)
	present := ErrorPresenter(slog.New(slog.DiscardHandler))
	at := func(els ...ast.PathElement) ast.Path { return append(fc.Path(), els...) }

	cases := []struct {
		name string
		ctx  context.Context
		err  error
		code Code
	}{
		{"enum argument", ctx, gqlerror.WrapPath(at(ast.PathName("type")), errors.New("account is not a valid AccessItemType")), CodeBadUserInput},
		{"item of a list argument", ctx, gqlerror.WrapPath(at(ast.PathName("type"), ast.PathIndex(1)), errors.New("x is not a valid AccessItemType")), CodeBadUserInput},
		{"the field's own error", ctx, gqlerror.WrapPath(at(), errors.New("nil map")), CodeInternal},
		{"a child that is no argument", ctx, gqlerror.WrapPath(at(ast.PathName("nodes")), errors.New("nil map")), CodeInternal},
		{"no field", context.Background(), gqlerror.WrapPath(at(ast.PathName("type")), errors.New("nil map")), CodeInternal},
	}
	for _, tc := range cases {
		got := present(tc.ctx, tc.err)
		if got.Extensions["code"] != string(tc.code) {
			t.Errorf("%s: code %v, want %s", tc.name, got.Extensions["code"], tc.code)
		}
		if tc.code == CodeBadUserInput && got.Message != tc.err.(*gqlerror.Error).Message {
			t.Errorf("%s: message %q", tc.name, got.Message)
		}
	}
}
