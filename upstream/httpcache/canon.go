package httpcache

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/route"
)

// queryDefaults are the values the tenant assumes for absent query
// parameters, by operation: from the spec's schema defaults (limit,
// offset, count, completed) and from its descriptions ("If not provided,
// it defaults to account", "Defaults to month", "Defaults to UTC").
// Filling them in makes a request that leaves a parameter out meet the
// one that spells the default.
var queryDefaults = map[string]map[string]string{
	"listHistoricalIdentities":           {"limit": "250", "offset": "0"},
	"listIdentityAccessItems":            {"limit": "250", "offset": "0", "count": "false", "type": "account"},
	"getHistoricalIdentityEvents":        {"limit": "250", "offset": "0", "count": "false"},
	"listIdentitySnapshots":              {"limit": "250", "offset": "0", "count": "false"},
	"getIdentitySnapshotSummary":         {"limit": "250", "offset": "0", "count": "false", "interval": "month", "time-zone": "UTC"},
	"compareIdentitySnapshots":           {"limit": "250", "offset": "0", "count": "false"},
	"compareIdentitySnapshotsAccessType": {"limit": "250", "offset": "0", "count": "false"},
	"getPendingTasks":                    {"limit": "250", "offset": "0", "count": "false"},
	"getTaskStatusList":                  {"limit": "250", "offset": "0", "count": "false"},
	"getReportResult":                    {"completed": "false"},
}

// arrayParams are the query parameters that are sets (repeated, order
// carries no meaning), by operation.
var arrayParams = map[string][]string{
	"getHistoricalIdentityEvents": {"eventTypes", "accessItemTypes"},
	"compareIdentitySnapshots":    {"accessItemTypes"},
}

// canonicalKey is the request's identity within a principal: API version,
// operation, path parameters and query, with defaults filled in and set
// parameters sorted. ok is false for a query that does not parse (such a
// request is not cached).
func canonicalKey(rt route.Route, rawQuery string) (key string, ok bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", false
	}
	for name, v := range queryDefaults[rt.Operation] {
		if _, set := q[name]; !set {
			q[name] = []string{v}
		}
	}
	for _, name := range arrayParams[rt.Operation] {
		if vs := q[name]; len(vs) > 1 {
			q[name] = slices.Sorted(slices.Values(vs))
		}
	}
	var b strings.Builder
	b.WriteString(string(rt.API))
	b.WriteByte(' ')
	b.WriteString(rt.Operation)
	for _, name := range slices.Sorted(maps.Keys(rt.Params)) {
		b.WriteByte(' ')
		b.WriteString(url.QueryEscape(name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(rt.Params[name]))
	}
	b.WriteByte('?')
	b.WriteString(q.Encode()) // keys sorted, values escaped
	return b.String(), true
}
