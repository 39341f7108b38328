package simtenant

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// reportTable is the content of a report file: a header and rows.
type reportTable struct {
	columns []string
	rows    [][]string
}

// reportInput is what a report's rows are computed from.
type reportInput struct {
	identities []*identity
	args       reportArgs
	rng        *rand.Rand // the run's own random stream
	now        time.Time
}

func identitiesTable(in reportInput) reportTable {
	t := reportTable{columns: []string{"Identity ID", "Display Name", "First Name", "Last Name", "Active", "Deleted"}}
	for _, id := range in.identities {
		if in.args.CorrelatedOnly && id.DeletedDate != nil {
			continue
		}
		t.rows = append(t.rows, []string{id.ID, id.DisplayName, id.FirstName, id.LastName, strconv.FormatBool(id.Active), deletedCell(id)})
	}
	return t
}

func identitiesDetailsTable(in reportInput) reportTable {
	t := reportTable{columns: []string{"Identity ID", "Display Name", "First Name", "Last Name", "Email", "Lifecycle State", "Deleted"}}
	for _, id := range in.identities {
		if in.args.CorrelatedOnly && id.DeletedDate != nil {
			continue
		}
		t.rows = append(t.rows, []string{id.ID, id.DisplayName, id.FirstName, id.LastName, identityEmail(id), lifecycleState(id), deletedCell(id)})
	}
	return t
}

// orphanIdentitiesTable lists identities that are no longer active.
func orphanIdentitiesTable(in reportInput) reportTable {
	t := reportTable{columns: []string{"Identity ID", "Display Name", "Lifecycle State", "Deleted"}}
	for _, id := range in.identities {
		if !id.Active {
			t.rows = append(t.rows, []string{id.ID, id.DisplayName, lifecycleState(id), deletedCell(id)})
		}
	}
	return t
}

// identityErrorTable lists about one identity in seventeen, picked from
// the identity's id, with the error the profile reported.
func identityErrorTable(in reportInput) reportTable {
	errs := []string{
		"Required attribute 'email' is missing.",
		"Attribute 'manager' refers to an identity that does not exist.",
		"Transform 'Lifecycle State' failed: no value for 'hireDate'.",
	}
	t := reportTable{columns: []string{"Authoritative Source", "Identity ID", "Display Name", "Error"}}
	for _, id := range in.identities {
		h := streamOf(in.args.AuthoritativeSource, id.ID)
		if h%17 == 0 {
			t.rows = append(t.rows, []string{in.args.AuthoritativeSource, id.ID, id.DisplayName, errs[(h/17)%uint64(len(errs))]})
		}
	}
	return t
}

// accountsTable lists one account per identity not deleted on the source.
func accountsTable(in reportInput) reportTable {
	t := reportTable{columns: []string{"Source ID", "Source Name", "Account ID", "Account Name", "Identity ID", "Display Name", "Disabled"}}
	for _, id := range in.identities {
		if id.DeletedDate != nil {
			continue
		}
		accountID := fmt.Sprintf("%016x%016x", streamOf(in.args.Application, id.ID), streamOf(id.ID, in.args.Application))
		t.rows = append(t.rows, []string{in.args.Application, in.args.SourceName, accountID, accountName(id), id.ID, id.DisplayName, strconv.FormatBool(!id.Active)})
	}
	return t
}

// uncorrelatedAccountsTable draws a few accounts that match no identity.
func uncorrelatedAccountsTable(in reportInput) reportTable {
	t := reportTable{columns: []string{"Source Name", "Account Name", "Native Identity", "Created"}}
	for range 3 + in.rng.IntN(18) {
		name := fmt.Sprintf("svc-%s-%03d", strings.ToLower(taskLastNames[in.rng.IntN(len(taskLastNames))]), in.rng.IntN(1000))
		created := in.now.Add(-time.Duration(in.rng.Int64N(int64(365 * 24 * time.Hour))))
		t.rows = append(t.rows, []string{
			taskSourceNames[in.rng.IntN(len(taskSourceNames))], name,
			"CN=" + name + ",OU=Service Accounts,DC=example,DC=com", formatTime(created),
		})
	}
	return t
}

// searchExportTable runs the search over the identities index (the only
// one simulated): `*`, `field:value` (a trailing * matches a prefix), or
// free text matched inside the display name; all case-insensitive.
func searchExportTable(in reportInput) reportTable {
	columns := []string{"id", "displayName", "firstName", "lastName", "email"}
	if in.args.Columns != "" {
		columns = columns[:0]
		for _, c := range strings.Split(in.args.Columns, ",") {
			columns = append(columns, strings.TrimSpace(c))
		}
	}
	t := reportTable{columns: columns}
	if len(in.args.Indices) > 0 && !slices.Contains(in.args.Indices, "identities") && !slices.Contains(in.args.Indices, "*") {
		return t
	}
	var hits []*identity
	for _, id := range in.identities {
		if searchMatches(id, in.args.Query) {
			hits = append(hits, id)
		}
	}
	slices.SortStableFunc(hits, func(a, b *identity) int {
		for _, s := range in.args.Sort {
			field := strings.TrimLeft(s, "+-")
			get, _ := searchField(field)
			c := strings.Compare(strings.ToLower(get(a)), strings.ToLower(get(b)))
			if strings.HasPrefix(s, "-") {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	for _, id := range hits {
		row := make([]string, len(columns))
		for i, c := range columns {
			if get, ok := searchField(c); ok {
				row[i] = get(id)
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func searchMatches(id *identity, query string) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "*" {
		return true
	}
	field, value, fielded := strings.Cut(q, ":")
	if !fielded {
		return strings.Contains(strings.ToLower(id.DisplayName), q)
	}
	get, ok := searchFieldFold(field)
	if !ok {
		return false
	}
	have := strings.ToLower(get(id))
	if prefix, ok := strings.CutSuffix(value, "*"); ok {
		return strings.HasPrefix(have, prefix)
	}
	return have == value
}

// searchFields are the identity fields a search export can read.
func searchFields() map[string]func(*identity) string {
	return map[string]func(*identity) string{
		"id":          func(i *identity) string { return i.ID },
		"name":        func(i *identity) string { return i.DisplayName },
		"displayName": func(i *identity) string { return i.DisplayName },
		"firstName":   func(i *identity) string { return i.FirstName },
		"lastName":    func(i *identity) string { return i.LastName },
		"email":       identityEmail,
		"active":      func(i *identity) string { return strconv.FormatBool(i.Active) },
		"deleted":     deletedCell,
	}
}

func searchField(name string) (func(*identity) string, bool) {
	f, ok := searchFields()[name]
	return f, ok
}

func searchFieldFold(name string) (func(*identity) string, bool) {
	for k, f := range searchFields() {
		if strings.EqualFold(k, name) {
			return f, true
		}
	}
	return nil, false
}

func searchFieldNames() []string {
	var out []string
	for k := range searchFields() {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func deletedCell(id *identity) string {
	if id.DeletedDate == nil {
		return ""
	}
	return formatTime(*id.DeletedDate)
}

func lifecycleState(id *identity) string {
	switch {
	case id.DeletedDate != nil:
		return "deleted"
	case id.Active:
		return "active"
	}
	return "inactive"
}

// accountName is the login an identity's accounts use: first.last.
func accountName(id *identity) string {
	keep := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	first, last := keep(id.FirstName), keep(id.LastName)
	if first == "" || last == "" {
		return keep(id.ID)
	}
	return first + "." + last
}

func identityEmail(id *identity) string { return accountName(id) + "@example.com" }
