package config

import (
	"fmt"
	"strings"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// APIMode is how the gateway chooses the upstream API generation of one
// family (SAILGRAPH_UPSTREAM_API).
type APIMode uint8

// The modes. The zero value is APIAuto, the default.
const (
	// APIAuto asks the tenant which generation serves the family: v1 when
	// it does, legacy otherwise.
	APIAuto APIMode = iota
	// APILegacy uses the year-versioned trees (/beta, /v2024).
	APILegacy
	// APIV1 uses the per-resource v1 APIs.
	APIV1
)

var apiModeNames = [...]string{APIAuto: "auto", APILegacy: "legacy", APIV1: "v1"}

// String names the mode as the variable spells it.
func (m APIMode) String() string {
	if int(m) < len(apiModeNames) {
		return apiModeNames[m]
	}
	return fmt.Sprintf("APIMode(%d)", uint8(m))
}

// Fixed returns the generation a legacy or v1 mode names; false for auto.
func (m APIMode) Fixed() (op.Generation, bool) {
	switch m {
	case APILegacy:
		return op.Legacy, true
	case APIV1:
		return op.V1, true
	}
	return 0, false
}

func parseAPIMode(s string) (APIMode, bool) {
	for m, name := range apiModeNames {
		if strings.EqualFold(s, name) {
			return APIMode(m), true
		}
	}
	return 0, false
}

// UpstreamAPI is SAILGRAPH_UPSTREAM_API: the mode of each upstream API
// family. The zero value is auto for every family.
type UpstreamAPI struct {
	modes [op.RoleMining + 1]APIMode // by op.Family (RoleMining is the last)
}

// AllAPIs is the UpstreamAPI with every family in mode m.
func AllAPIs(m APIMode) UpstreamAPI {
	var u UpstreamAPI
	for _, f := range op.Families() {
		u.modes[f] = m
	}
	return u
}

// Mode is family f's mode.
func (u UpstreamAPI) Mode(f op.Family) APIMode {
	if int(f) < len(u.modes) {
		return u.modes[f]
	}
	return APIAuto
}

// With returns u with family f in mode m.
func (u UpstreamAPI) With(f op.Family, m APIMode) UpstreamAPI {
	if int(f) < len(u.modes) {
		u.modes[f] = m
	}
	return u
}

// Auto reports whether any family is in auto mode.
func (u UpstreamAPI) Auto() bool {
	for _, f := range op.Families() {
		if u.modes[f] == APIAuto {
			return true
		}
	}
	return false
}

// String writes u as ParseUpstreamAPI reads it: one mode when every family
// has it, else family=mode for each family.
func (u UpstreamAPI) String() string {
	fams := op.Families()
	same := true
	for _, f := range fams[1:] {
		same = same && u.modes[f] == u.modes[fams[0]]
	}
	if same {
		return u.modes[fams[0]].String()
	}
	parts := make([]string, len(fams))
	for i, f := range fams {
		parts[i] = f.String() + "=" + u.modes[f].String()
	}
	return strings.Join(parts, ",")
}

// errUpstreamAPI explains the grammar in every parse error.
var errUpstreamAPI = fmt.Errorf("want legacy, v1 or auto for every family, or family=mode pairs separated by commas (families: %s), e.g. history=v1,reports=legacy", familyList())

// familyList names every family, as op.Family.String spells it.
func familyList() string {
	names := make([]string, 0, len(op.Families()))
	for _, f := range op.Families() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}

// ParseUpstreamAPI reads SAILGRAPH_UPSTREAM_API: empty (auto everywhere),
// one mode for every family ("legacy", "v1", "auto"), or comma-separated
// family=mode pairs ("history=v1,reports=legacy"), where a family not
// named takes auto. Anything else, a family named twice included, is an
// error that says what is wrong.
func ParseUpstreamAPI(s string) (UpstreamAPI, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return UpstreamAPI{}, nil
	}
	if m, ok := parseAPIMode(s); ok {
		return AllAPIs(m), nil
	}
	if !strings.ContainsAny(s, ",=") && familyByName(s) == 0 {
		return UpstreamAPI{}, fmt.Errorf("unknown mode %q: %w", s, errUpstreamAPI)
	}
	var (
		u    UpstreamAPI
		seen [len(UpstreamAPI{}.modes)]bool
	)
	for part := range strings.SplitSeq(s, ",") {
		name, mode, ok := strings.Cut(strings.TrimSpace(part), "=")
		name, mode = strings.TrimSpace(name), strings.TrimSpace(mode)
		if !ok {
			return UpstreamAPI{}, fmt.Errorf("%q is not family=mode: %w", strings.TrimSpace(part), errUpstreamAPI)
		}
		f := familyByName(name)
		if f == 0 {
			return UpstreamAPI{}, fmt.Errorf("unknown family %q: %w", name, errUpstreamAPI)
		}
		m, ok := parseAPIMode(mode)
		if !ok {
			return UpstreamAPI{}, fmt.Errorf("unknown mode %q for %s: %w", mode, name, errUpstreamAPI)
		}
		if seen[f] {
			return UpstreamAPI{}, fmt.Errorf("family %s is named twice: %w", name, errUpstreamAPI)
		}
		seen[f] = true
		u.modes[f] = m
	}
	return u, nil
}

func familyByName(s string) op.Family {
	for _, f := range op.Families() {
		if strings.EqualFold(s, f.String()) {
			return f
		}
	}
	return 0
}
