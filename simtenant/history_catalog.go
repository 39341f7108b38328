package simtenant

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// histCatalog is the tenant's access model: sources with their
// entitlements and apps, access profiles bundling a source's entitlements
// (and the apps they open), and roles bundling access profiles. It is read
// only once made.
type histCatalog struct {
	sources      []*histSource
	entitlements []*histEntitlement // requestable on their own
	profiles     []*histProfile     // requestable on their own
	roles        []*histRole        // requestable (birthright ones excluded)
	birthright   *histRole          // given to every human identity at its start
	serviceBase  *histEntitlement   // given to every service identity at its start
}

// histAccountStyle is how a source names its accounts.
type histAccountStyle uint8

const (
	histAccountDN       histAccountStyle = iota // CN=Ada Lovelace,OU=Users,...; name alovelace
	histAccountEmployee                         // E012345; name Ada Lovelace
	histAccountEmail                            // ada.lovelace@acme.example; name Ada Lovelace
	histAccountHandle                           // numeric id; name ada-lovelace
)

// histSource is a connected source: accounts and entitlements live on one.
type histSource struct {
	id, name  string
	attribute string // the account attribute holding its entitlements
	entType   string // the entitlements' type
	cloud     bool   // cloud sources may have cloud-governed entitlements
	style     histAccountStyle
	apps      []*histApp
}

type histEntitlement struct {
	id, name, value string
	description     *string
	source          *histSource
	privileged      bool
	cloudGoverned   bool
}

type histProfile struct {
	id, name     string
	description  *string
	source       *histSource
	entitlements []*histEntitlement
	apps         []*histApp
}

type histRole struct {
	id, name, description string
	profiles              []*histProfile
}

type histApp struct {
	id, name, appRoleID string
	source              *histSource
}

var (
	histSourceSpecs = []histSource{
		{name: "Active Directory", attribute: "memberOf", entType: "group", style: histAccountDN},
		{name: "Workday", attribute: "securityGroups", entType: "role", style: histAccountEmployee},
		{name: "ServiceNow", attribute: "roles", entType: "role", cloud: true, style: histAccountEmail},
		{name: "Salesforce", attribute: "permissionSets", entType: "permission", cloud: true, style: histAccountEmail},
		{name: "GitHub", attribute: "teams", entType: "group", cloud: true, style: histAccountHandle},
		{name: "AWS IAM", attribute: "groups", entType: "group", cloud: true, style: histAccountEmail},
		{name: "SAP ERP", attribute: "profiles", entType: "profile", style: histAccountEmployee},
		{name: "DataScienceDataset", attribute: "datasets", entType: "group", style: histAccountEmail},
	}
	histAreas    = []string{"Finance", "HR", "Sales", "Marketing", "Engineering", "Legal", "Support", "Operations", "Data"}
	histLevels   = []string{"Readers", "Editors", "Approvers", "Admins"}
	histRoleJobs = []string{"Analyst", "Manager", "Specialist", "Engineer", "Auditor"}
)

func newHistCatalog(seed uint64) *histCatalog {
	r := rand.New(rand.NewPCG(seed, histStreamCatalog))
	c := &histCatalog{}
	bySource := map[*histSource][]*histEntitlement{}
	for _, spec := range histSourceSpecs {
		s := &histSource{id: hexID32(r), name: spec.name, attribute: spec.attribute, entType: spec.entType, cloud: spec.cloud, style: spec.style}
		c.sources = append(c.sources, s)
		for _, suffix := range []string{"Portal", "Mobile"}[:1+r.IntN(2)] {
			s.apps = append(s.apps, &histApp{id: hexID32(r), name: s.name + " " + suffix, appRoleID: hexID32(r), source: s})
		}
		seen := map[string]bool{}
		for len(bySource[s]) < 8 {
			area, level := histAreas[r.IntN(len(histAreas))], histLevels[r.IntN(len(histLevels))]
			name := area + " " + level
			if seen[name] {
				continue
			}
			seen[name] = true
			e := &histEntitlement{
				id: hexID32(r), name: name, value: histEntitlementValue(s, name), source: s,
				privileged:    level == "Admins",
				cloudGoverned: s.cloud && r.IntN(3) == 0,
			}
			if r.IntN(4) != 0 {
				e.description = ptrTo(fmt.Sprintf("Grants %s access to %s resources in %s", strings.ToLower(level), area, s.name))
			}
			bySource[s] = append(bySource[s], e)
			c.entitlements = append(c.entitlements, e)
		}
	}
	for _, s := range c.sources {
		ents := bySource[s]
		for k := range 3 {
			p := &histProfile{id: hexID32(r), source: s}
			// The first profile of a source is its base access: its first
			// two entitlements, read or edit level.
			if k == 0 {
				p.name, p.entitlements = s.name+" Base Access", ents[:2]
			} else {
				p.name = fmt.Sprintf("%s %s Access", s.name, histAreas[r.IntN(len(histAreas))])
				for _, i := range r.Perm(len(ents))[:2+r.IntN(3)] {
					p.entitlements = append(p.entitlements, ents[i])
				}
			}
			if r.IntN(5) != 0 {
				p.description = ptrTo(fmt.Sprintf("AccessProfile - %s access to %s", p.name, s.name))
			}
			if r.IntN(5) < 3 {
				p.apps = s.apps[:1+r.IntN(len(s.apps))]
			}
			c.profiles = append(c.profiles, p)
		}
	}
	// Sources 0 and 1 are the directory and the HR system every employee has.
	c.birthright = &histRole{
		id: hexID32(r), name: "All Employees", description: "Role - birthright access for every employee",
		profiles: []*histProfile{c.profiles[0], c.profiles[3]},
	}
	c.serviceBase = bySource[c.sources[0]][0]
	for range 14 {
		area, job := histAreas[r.IntN(len(histAreas))], histRoleJobs[r.IntN(len(histRoleJobs))]
		ro := &histRole{id: hexID32(r), name: area + " " + job, description: fmt.Sprintf("Role - access a %s %s needs", strings.ToLower(area), strings.ToLower(job))}
		for _, i := range r.Perm(len(c.profiles))[:1+r.IntN(3)] {
			ro.profiles = append(ro.profiles, c.profiles[i])
		}
		c.roles = append(c.roles, ro)
	}
	return c
}

func histEntitlementValue(s *histSource, name string) string {
	if s.style == histAccountDN {
		return "CN=" + name + ",OU=Groups,DC=acme,DC=example"
	}
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}

// accountFor names p's account on s.
func (s *histSource) accountFor(r *rand.Rand, p *identity) *histAccount {
	a := &histAccount{id: hexID32(r), source: s}
	slug := strings.ToLower(strings.ReplaceAll(p.DisplayName, " ", "."))
	switch s.style {
	case histAccountDN:
		a.nativeIdentity = "CN=" + p.DisplayName + ",OU=Users,DC=acme,DC=example"
		a.name = strings.ReplaceAll(slug, ".", "")
		if !p.service() {
			a.name = strings.ToLower(p.FirstName[:1] + p.LastName)
		}
	case histAccountEmployee:
		a.nativeIdentity, a.name = fmt.Sprintf("E%06d", 1000+p.index), p.DisplayName
	case histAccountEmail:
		a.nativeIdentity, a.name = p.email, p.DisplayName
	case histAccountHandle:
		a.nativeIdentity, a.name = fmt.Sprint(1_000_000+r.IntN(90_000_000)), strings.ReplaceAll(slug, ".", "-")
	}
	return a
}

// histAccount is one identity's account on one source.
type histAccount struct {
	id, name, nativeIdentity string
	source                   *histSource
}
