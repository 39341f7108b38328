package access

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is one permission, named as the tenant's OAuth2 scope it mirrors.
type Scope string

// The scopes the upstream operations the gateway serves are guarded by.
const (
	IdentityHistoryRead   Scope = "idn:identity-history:read"
	IdentityHistoryManage Scope = "idn:identity-history:manage"
	TaskManagementRead    Scope = "idn:task-management:read"
	TaskManagementWrite   Scope = "idn:task-management:write"
	ReportRead            Scope = "sp:report:read"
	ReportManage          Scope = "sp:report:manage"
	AccessModelingRead    Scope = "iai:access-modeling:read"
	AccessModelingManage  Scope = "iai:access-modeling:manage"
)

// AllScopes lists every scope, in a stable order.
func AllScopes() []Scope {
	return []Scope{
		IdentityHistoryRead, IdentityHistoryManage,
		TaskManagementRead, TaskManagementWrite,
		ReportRead, ReportManage,
		AccessModelingRead, AccessModelingManage,
	}
}

// ParseScope returns s as a Scope, or an error naming the known ones.
func ParseScope(s string) (Scope, error) {
	sc := Scope(strings.TrimSpace(s))
	if !slices.Contains(AllScopes(), sc) {
		return "", fmt.Errorf("unknown scope %q (known: %s)", s, scopeList(AllScopes()))
	}
	return sc, nil
}

// Scopes is a set of scopes.
type Scopes map[Scope]struct{}

// NewScopes returns the set of ss.
func NewScopes(ss ...Scope) Scopes {
	set := make(Scopes, len(ss))
	for _, s := range ss {
		set[s] = struct{}{}
	}
	return set
}

// HasAny reports whether the set holds at least one of want.
func (set Scopes) HasAny(want ...Scope) bool {
	for _, w := range want {
		if _, ok := set[w]; ok {
			return true
		}
	}
	return false
}

// Sorted returns the set's scopes in AllScopes order.
func (set Scopes) Sorted() []Scope {
	var out []Scope
	for _, s := range AllScopes() {
		if _, ok := set[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

func scopeList(ss []Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
