package isc

import (
	"slices"
	"strings"
)

// Sort is one sort key on a field of type F.
type Sort[F ~string] struct {
	Field F
	Desc  bool
}

// Asc sorts by field, ascending.
func Asc[F ~string](field F) Sort[F] { return Sort[F]{Field: field} }

// Desc sorts by field, descending.
func Desc[F ~string](field F) Sort[F] { return Sort[F]{Field: field, Desc: true} }

// EncodeSorters checks keys against the fields an operation documents as
// sortable and renders them for the sorters parameter ("-created,name");
// "" when there are none. An undocumented field is an *ArgumentError.
func EncodeSorters[F ~string](keys []Sort[F], allowed ...F) (string, error) {
	var b strings.Builder
	for i, k := range keys {
		if !slices.Contains(allowed, k.Field) {
			names := make([]string, len(allowed))
			for j, f := range allowed {
				names[j] = string(f)
			}
			return "", Invalid("sorters", "sorting on %q is not supported (supported: %s)", k.Field, strings.Join(names, ", "))
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if k.Desc {
			b.WriteByte('-')
		}
		b.WriteString(string(k.Field))
	}
	return b.String(), nil
}
