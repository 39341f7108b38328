package simtenant

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

const (
	testSession = "8c190e67-87aa-4ed9-a90b-d9d5344523fb"
	testRole    = "278359a6-04b7-4669-9468-924cf580964a"
)

// exportDoc is a RoleMiningPotentialRoleExportResponse as a client decodes it.
type exportDoc struct {
	ExportID                 string `json:"exportId"`
	Status                   string `json:"status"`
	MinEntitlementPopularity int    `json:"minEntitlementPopularity"`
	IncludeCommonAccess      bool   `json:"includeCommonAccess"`
}

func exportPath(session, role string) string {
	return "/beta/role-mining-sessions/" + session + "/potential-roles/" + role + "/export-async"
}

func startExport(t *testing.T, h *harness, session, role, body string) exportDoc {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	status, _, b := h.do(http.MethodPost, exportPath(session, role), body, ctype)
	if status != http.StatusAccepted {
		t.Fatalf("export %s: %d %s", body, status, b)
	}
	var d exportDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// readExportZip downloads and opens an export: file name -> CSV records.
func readExportZip(t *testing.T, h *harness, session, role, id string) map[string][][]string {
	t.Helper()
	status, hdr, b := h.do(http.MethodGet, exportPath(session, role)+"/"+id+"/download", "", "")
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s %s", status, hdr.Get("Content-Type"), b)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("download is not a zip: %v", err)
	}
	out := map[string][][]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s is not CSV: %v", f.Name, err)
		}
		out[f.Name] = records
	}
	return out
}

func TestPotentialRoleGeneration(t *testing.T) {
	var ids []*identity
	for i := range 100 {
		ids = append(ids, &identity{ID: fmt.Sprintf("id-%03d", i), DisplayName: fmt.Sprintf("Person %03d", i), Active: true})
	}
	k := potentialRoleKey{testSession, testRole}
	pr := generatePotentialRole(1, k, ids)
	if len(pr.members) < 5 || len(pr.members) > 40 || len(pr.entitlements) < 6 || len(pr.entitlements) > 20 {
		t.Fatalf("%d members, %d entitlements", len(pr.members), len(pr.entitlements))
	}
	if !slices.IsSortedFunc(pr.members, func(a, b *identity) int { return compareStrings(a.ID, b.ID) }) {
		t.Error("members are not in roster order")
	}
	again := generatePotentialRole(1, k, ids)
	other := generatePotentialRole(1, potentialRoleKey{testSession, "0c6cdb76-1227-4aaf-af21-192dbdfbfa04"}, ids)
	if again.entitlements[0] != pr.entitlements[0] || other.entitlements[0] == pr.entitlements[0] {
		t.Error("potential roles are not a function of seed and ids")
	}
	var common int
	for _, e := range pr.exported(60, false) {
		if e.popularity < 60 || e.common {
			t.Errorf("exported %+v with minimum 60 and no common access", e)
		}
	}
	for _, e := range pr.entitlements {
		if e.common {
			common++
		}
	}
	if len(pr.exported(0, true)) != len(pr.entitlements) || len(pr.exported(0, false)) != len(pr.entitlements)-common {
		t.Error("includeCommonAccess does not select exactly the common entitlements")
	}
	if few := generatePotentialRole(1, k, ids[:2]); len(few.members) != 2 {
		t.Errorf("a roster of 2 gave %d members", len(few.members))
	}
	if none := generatePotentialRole(1, k, nil); len(none.members) != 0 || len(none.entitlements) == 0 {
		t.Error("an empty roster broke the potential role")
	}
}

func TestExportFilters(t *testing.T) {
	h, clock := newTaskHarness(t)
	all := startExport(t, h, testSession, testRole, `{"minEntitlementPopularity":0,"includeCommonAccess":true}`)
	some := startExport(t, h, testSession, testRole, `{"minEntitlementPopularity":60,"includeCommonAccess":false}`)
	def := startExport(t, h, testSession, testRole, "")
	if some.MinEntitlementPopularity != 60 || some.IncludeCommonAccess || def.MinEntitlementPopularity != 0 || !def.IncludeCommonAccess {
		t.Fatalf("echoed settings: %+v, default %+v", some, def)
	}
	clock.Advance(2 * time.Second)
	full := readExportZip(t, h, testSession, testRole, all.ExportID)["entitlements.csv"]
	part := readExportZip(t, h, testSession, testRole, some.ExportID)["entitlements.csv"]
	byDefault := readExportZip(t, h, testSession, testRole, def.ExportID)["entitlements.csv"]
	if !slices.EqualFunc(full, byDefault, slices.Equal) {
		t.Error("an export without a body differs from one including everything")
	}
	col := func(name string) int { return slices.Index(full[0], name) }
	var want [][]string
	for _, rec := range full[1:] {
		pop, _ := strconv.Atoi(rec[col("popularity")])
		if pop >= 60 && rec[col("commonAccess")] == "false" {
			want = append(want, rec)
		}
	}
	if len(full) < 7 || !slices.EqualFunc(part[1:], want, slices.Equal) {
		t.Fatalf("filtered export: %d rows, want the %d of %d that pass", len(part)-1, len(want), len(full)-1)
	}
}

func TestExportErrors(t *testing.T) {
	h, clock := newTaskHarness(t)
	e := startExport(t, h, testSession, testRole, "")
	const unknown = "4940ffd4-836f-48a3-b2b0-6d498c3fdf40"
	const otherRole = "0c6cdb76-1227-4aaf-af21-192dbdfbfa04"
	for _, p := range []string{
		exportPath(testSession, testRole) + "/" + unknown,
		exportPath(testSession, testRole) + "/" + unknown + "/download",
		exportPath(testSession, otherRole) + "/" + e.ExportID, // another role's export id
		exportPath(otherRole, testRole) + "/" + e.ExportID + "/download",
	} {
		h.get(p, http.StatusNotFound, nil)
	}
	for _, c := range []struct{ session, role, body string }{
		{"not-a-uuid", testRole, ""},
		{testSession, "278359a6", ""},
		{testSession, testRole, `{"minEntitlementPopularity":101}`},
		{testSession, testRole, `{"minEntitlementPopularity":-1}`},
	} {
		status, _, b := h.do(http.MethodPost, exportPath(c.session, c.role), c.body, "application/json")
		if status != http.StatusBadRequest {
			t.Errorf("%s/%s %s: %d %s", c.session, c.role, c.body, status, b)
		}
	}
	if status, _, _ := h.send(h.raw, http.MethodPost, exportPath(testSession, testRole), `{"includeCommonAccess":"yes"}`, "application/json"); status != http.StatusBadRequest {
		t.Errorf("includeCommonAccess \"yes\": %d", status)
	}
	if status, _, _ := h.send(h.raw, http.MethodGet, exportPath(testSession, testRole)+"/42", "", ""); status != http.StatusBadRequest {
		t.Errorf("non-UUID export id: %d", status)
	}
	clock.Advance(time.Second)
	status, _, b := h.do(http.MethodGet, exportPath(testSession, testRole)+"/"+e.ExportID+"/download", "", "")
	if status != http.StatusBadRequest || !bytes.Contains(b, []byte("IN_PROGRESS")) {
		t.Fatalf("download while in progress: %d %s", status, b)
	}
}

func BenchmarkWriteRoleZip(b *testing.B) {
	var ids []*identity
	for i := range 2000 {
		ids = append(ids, &identity{ID: fmt.Sprintf("%032x", i), DisplayName: fmt.Sprintf("Person %d", i), FirstName: "P", LastName: strconv.Itoa(i), Active: true})
	}
	pr := generatePotentialRole(1, potentialRoleKey{testSession, testRole}, ids)
	e := &roleExport{includeCommonAccess: true}
	for b.Loop() {
		if err := writeRoleZip(io.Discard, pr, e, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}
