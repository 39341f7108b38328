package simtenant

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// reportType is one of the report types ISC's reports API runs.
type reportType struct {
	name        string // the reportType enum value
	taskDefName string
	description string
	args        []string // the arguments this type takes
	required    []string // the ones it must be given
	table       func(in reportInput) reportTable
}

func reportTypes() []*reportType {
	return []*reportType{
		{
			name: "ACCOUNTS", taskDefName: "Account Export", description: "Exports the accounts of one source.",
			args: []string{"application", "sourceName"}, required: []string{"application", "sourceName"},
			table: accountsTable,
		},
		{
			name: "IDENTITIES_DETAILS", taskDefName: "Identities Details Report", description: "A detailed view of the identities in the system.",
			args: []string{"correlatedOnly"}, required: []string{"correlatedOnly"},
			table: identitiesDetailsTable,
		},
		{
			name: "IDENTITIES", taskDefName: "Identities", description: "The identities in the system.",
			args:  []string{"correlatedOnly"},
			table: identitiesTable,
		},
		{
			name: "IDENTITY_PROFILE_IDENTITY_ERROR", taskDefName: "Identity Profile Identity Error", description: "Identities the authoritative source's identity profile failed to process.",
			args: []string{"authoritativeSource"}, required: []string{"authoritativeSource"},
			table: identityErrorTable,
		},
		{
			name: "ORPHAN_IDENTITIES", taskDefName: "Orphan Identities", description: "Identities that no longer have an authoritative account.",
			args:  []string{"selectedFormats"},
			table: orphanIdentitiesTable,
		},
		{
			name: "SEARCH_EXPORT", taskDefName: "Search Export", description: "Extract query data from ElasticSearch to CSV",
			args: []string{"indices", "query", "columns", "sort"}, required: []string{"query"},
			table: searchExportTable,
		},
		{
			name: "UNCORRELATED_ACCOUNTS", taskDefName: "Uncorrelated Accounts", description: "Accounts that are not correlated to any identity.",
			args:  []string{"selectedFormats"},
			table: uncorrelatedAccountsTable,
		},
	}
}

func reportTypeNames(types []*reportType) []string {
	out := make([]string, len(types))
	for i, rt := range types {
		out[i] = rt.name
	}
	return out
}

// reportArgs holds the arguments of every report type; a run uses the
// ones its type takes.
type reportArgs struct {
	Application         string   `json:"application,omitempty"`
	SourceName          string   `json:"sourceName,omitempty"`
	CorrelatedOnly      bool     `json:"correlatedOnly,omitempty"`
	AuthoritativeSource string   `json:"authoritativeSource,omitempty"`
	SelectedFormats     []string `json:"selectedFormats,omitempty"`
	Query               string   `json:"query,omitempty"`
	Indices             []string `json:"indices,omitempty"`
	Columns             string   `json:"columns,omitempty"`
	Sort                []string `json:"sort,omitempty"`
}

// Values the enumerated arguments take.
var (
	reportFormats = []string{"CSV", "PDF"}
	searchIndices = []string{"accessprofiles", "accountactivities", "entitlements", "events", "identities", "roles", "*"}
)

// parseReportArgs checks raw against what rt takes: no argument of another
// report type, each of the right JSON type and enum, every required one
// present (a null or empty string counts as absent).
func parseReportArgs(rt *reportType, raw json.RawMessage) (reportArgs, *apiError) {
	var args reportArgs
	fields := map[string]json.RawMessage{}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &fields); err != nil {
			return args, badRequest("arguments must be an object: %v", err)
		}
	}
	for name := range fields {
		if !slices.Contains(rt.args, name) {
			return args, badRequest("argument %q does not apply to report type %s (its arguments: %s)", name, rt.name, orNone(rt.args))
		}
	}
	for _, name := range rt.required {
		if v, ok := fields[name]; !ok || bytes.Equal(v, []byte("null")) || bytes.Equal(v, []byte(`""`)) {
			return args, badRequest("report type %s requires the argument %q", rt.name, name)
		}
	}
	if len(fields) > 0 {
		if err := json.Unmarshal(raw, &args); err != nil {
			return args, badRequest("invalid arguments for report type %s: %v", rt.name, err)
		}
	}
	for _, f := range args.SelectedFormats {
		if !slices.Contains(reportFormats, f) {
			return args, badRequest("selectedFormats may hold %s, got %q", strings.Join(reportFormats, ", "), f)
		}
	}
	for _, ix := range args.Indices {
		if !slices.Contains(searchIndices, ix) {
			return args, badRequest("indices may hold %s, got %q", strings.Join(searchIndices, ", "), ix)
		}
	}
	for _, s := range args.Sort {
		if _, ok := searchField(strings.TrimLeft(s, "+-")); !ok {
			return args, badRequest("sort field %q is not supported (supported: %s)", s, strings.Join(searchFieldNames(), ", "))
		}
	}
	return args, nil
}

// formats are the file formats a run offers: its selectedFormats, or both.
func (a reportArgs) formats() []string {
	var out []string
	for _, f := range reportFormats {
		if len(a.SelectedFormats) == 0 || slices.Contains(a.SelectedFormats, f) {
			out = append(out, f)
		}
	}
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
