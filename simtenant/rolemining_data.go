package simtenant

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

type potentialRoleKey struct{ sessionID, potentialRoleID string }

// potentialRole is what role mining found: identities sharing a set of
// entitlements. Every pair of ids names one, the same for a seed.
type potentialRole struct {
	members      []*identity
	entitlements []roleEntitlement
}

type roleEntitlement struct {
	id, name, attribute, value, source string
	popularity                         int  // percent of the role's identities holding it
	common                             bool // highly popular across the whole organisation
}

var roleEntitlementGroups = []string{"Finance-Readers", "Finance-Approvers", "HR-Partners", "Sales-Leads", "Engineering", "VPN-Users", "Payroll-Admins", "Helpdesk", "Data-Analysts", "Wiki-Editors", "All-Staff", "Office-365-E3"}

// generatePotentialRole draws a role of 5 to 40 members (as many as there
// are identities) and 6 to 20 entitlements.
func generatePotentialRole(seed uint64, k potentialRoleKey, identities []*identity) *potentialRole {
	rng := rand.New(rand.NewPCG(seed, streamOf("potential-role", k.sessionID, k.potentialRoleID)))
	pr := &potentialRole{}
	size := min(5+rng.IntN(36), len(identities))
	picked := rng.Perm(len(identities))[:size]
	slices.Sort(picked) // keep the identities' own order
	for _, i := range picked {
		pr.members = append(pr.members, identities[i])
	}
	for i := range 6 + rng.IntN(15) {
		group := roleEntitlementGroups[rng.IntN(len(roleEntitlementGroups))]
		source := taskSourceNames[rng.IntN(len(taskSourceNames))]
		pr.entitlements = append(pr.entitlements, roleEntitlement{
			id:         hexID32(rng),
			name:       fmt.Sprintf("%s %d", group, i+1),
			attribute:  "memberOf",
			value:      fmt.Sprintf("CN=%s-%d,OU=Groups,DC=example,DC=com", group, i+1),
			source:     source,
			popularity: 10 + rng.IntN(91),
			common:     rng.IntN(4) == 0,
		})
	}
	return pr
}

// exported returns the entitlements an export includes.
func (pr *potentialRole) exported(minPopularity int, includeCommon bool) []roleEntitlement {
	var out []roleEntitlement
	for _, e := range pr.entitlements {
		if e.popularity >= minPopularity && (includeCommon || !e.common) {
			out = append(out, e)
		}
	}
	return out
}

// writeRoleZip writes the export archive: identities.csv and
// entitlements.csv, stamped with the time the export finished.
func writeRoleZip(w io.Writer, pr *potentialRole, e *roleExport, modified time.Time) error {
	zw := zip.NewWriter(w)
	identities := [][]string{{"identityId", "displayName", "firstName", "lastName", "active"}}
	for _, m := range pr.members {
		identities = append(identities, []string{m.ID, m.DisplayName, m.FirstName, m.LastName, strconv.FormatBool(m.Active)})
	}
	entitlements := [][]string{{"entitlementId", "name", "attribute", "value", "source", "popularity", "identityCount", "commonAccess"}}
	for _, en := range pr.exported(e.minEntitlementPopularity, e.includeCommonAccess) {
		holders := (en.popularity*len(pr.members) + 50) / 100
		entitlements = append(entitlements, []string{
			en.id, en.name, en.attribute, en.value, en.source,
			strconv.Itoa(en.popularity), strconv.Itoa(holders), strconv.FormatBool(en.common),
		})
	}
	for _, f := range []struct {
		name string
		rows [][]string
	}{{"identities.csv", identities}, {"entitlements.csv", entitlements}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		if err := csv.NewWriter(fw).WriteAll(f.rows); err != nil {
			return err
		}
	}
	return zw.Close()
}
