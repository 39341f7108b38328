package simtenant

import (
	"errors"
	"fmt"
	"strings"
)

// Generations chooses which generations of SailPoint's API the tenant
// serves: the legacy year-versioned trees (beta.yaml, v2024.yaml) and the
// per-resource v1 APIs (v1/*.yaml). The zero value serves both. A
// generation that is off is not there at all: its paths answer 404 like
// any unknown path, so that a client's detection of what the tenant
// offers can be tested.
//
// *Generations is a flag.Value: "legacy", "v1", or "legacy,v1".
type Generations uint8

const (
	// GenLegacy is /beta/... and /v2024/...
	GenLegacy Generations = 1 << iota
	// GenV1 is /historical-identities/v1/..., /task-status/v1/...,
	// /reports/v1/... and /role-mining-sessions/v1/...
	GenV1

	// GenAll is both, the default.
	GenAll = GenLegacy | GenV1
)

// errNoGeneration is returned by ParseGenerations for an empty list.
var errNoGeneration = errors.New("simtenant: at least one of legacy, v1 must be served")

// ParseGenerations reads a comma list of "legacy" and "v1" ("all" means
// both).
func ParseGenerations(s string) (Generations, error) {
	var g Generations
	for _, part := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "legacy":
			g |= GenLegacy
		case "v1":
			g |= GenV1
		case "all":
			g |= GenAll
		case "":
		default:
			return 0, fmt.Errorf("simtenant: unknown API generation %q (known: legacy, v1)", part)
		}
	}
	if g == 0 {
		return 0, errNoGeneration
	}
	return g, nil
}

// String lists the generations as ParseGenerations reads them.
func (g Generations) String() string {
	switch g.orDefault() {
	case GenLegacy:
		return "legacy"
	case GenV1:
		return "v1"
	}
	return "legacy,v1"
}

// Set implements flag.Value.
func (g *Generations) Set(s string) error {
	v, err := ParseGenerations(s)
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// Has reports whether g (the zero value meaning all) includes gen.
func (g Generations) Has(gen Generations) bool { return g.orDefault()&gen != 0 }

func (g Generations) orDefault() Generations {
	if g&GenAll == 0 {
		return GenAll
	}
	return g & GenAll
}

// Names of the APIs the rate limit counts apart, as SailPoint does: per
// client id and per API. The legacy generation has one API per version
// tree; each v1 resource API is its own.
const (
	APIBeta  = "beta"
	APIV2024 = "v2024"

	APIIdentityHistoryV1 = "identity-history-v1"
	APITaskManagementV1  = "task-management-v1"
	APIReportsV1         = "reports-v1"
	APIRoleMiningV1      = "role-mining-v1"
)

// apiSpec describes one API: the generation it belongs to and whether its
// operations require X-SailPoint-Experimental: true.
type apiSpec struct {
	name         string
	gen          Generations
	experimental bool
}

var (
	apiBeta              = apiSpec{name: APIBeta, gen: GenLegacy}
	apiV2024             = apiSpec{name: APIV2024, gen: GenLegacy}
	apiIdentityHistoryV1 = apiSpec{name: APIIdentityHistoryV1, gen: GenV1, experimental: true}
	apiTaskManagementV1  = apiSpec{name: APITaskManagementV1, gen: GenV1}
	apiReportsV1         = apiSpec{name: APIReportsV1, gen: GenV1}
	apiRoleMiningV1      = apiSpec{name: APIRoleMiningV1, gen: GenV1, experimental: true}
)

// APIs lists every API name, legacy first, for tests and tools that walk
// the rate-limit windows.
func APIs() []string {
	return []string{APIBeta, APIV2024, APIIdentityHistoryV1, APITaskManagementV1, APIReportsV1, APIRoleMiningV1}
}

// experimentalHeader is the header the experimental v1 APIs require.
const experimentalHeader = "X-SailPoint-Experimental"
