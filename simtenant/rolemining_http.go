package simtenant

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// roleExportPath is the potential-role export path under a base.
const roleExportPath = "/{sessionId}/potential-roles/{potentialRoleId}/export-async"

// routesRoleMining registers the potential-role export operations in both
// generations: /beta/role-mining-sessions/... and
// /role-mining-sessions/v1/..., which differ only in v1's required
// experimental header. Both serve the one export store.
func (t *Tenant) routesRoleMining(g *registrar) {
	for _, gen := range []struct {
		api          apiSpec
		base, suffix string
	}{{apiBeta, "/beta/role-mining-sessions", ""}, {apiRoleMiningV1, "/role-mining-sessions/v1", "V1"}} {
		p := gen.base + roleExportPath
		g.handle(gen.api, "POST "+p, "exportRoleMiningPotentialRoleAsync"+gen.suffix, t.exportPotentialRole)
		g.handle(gen.api, "GET "+p+"/{exportId}", "exportRoleMiningPotentialRoleStatus"+gen.suffix, t.potentialRoleExportStatus)
		g.handle(gen.api, "GET "+p+"/{exportId}/download", "downloadRoleMiningPotentialRoleZip"+gen.suffix, t.downloadPotentialRoleZip)
	}
}

// roleExportJSON is RoleMiningPotentialRoleExportResponse.
type roleExportJSON struct {
	MinEntitlementPopularity int    `json:"minEntitlementPopularity"`
	IncludeCommonAccess      bool   `json:"includeCommonAccess"`
	ExportID                 string `json:"exportId"`
	Status                   string `json:"status"`
}

// maxExportBody bounds a RoleMiningPotentialRoleExportRequest.
const maxExportBody = 64 << 10

// exportPotentialRole queues an export of a potential role. The body is
// optional: by default every entitlement is included.
func (t *Tenant) exportPotentialRole(w http.ResponseWriter, r *http.Request) {
	sessionID, roleID, err := roleIDs(r)
	if err != nil {
		err.write(w)
		return
	}
	req := struct {
		MinEntitlementPopularity *int  `json:"minEntitlementPopularity"`
		IncludeCommonAccess      *bool `json:"includeCommonAccess"`
	}{}
	body, rerr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxExportBody))
	if rerr != nil {
		badRequest("cannot read the request body: %v", rerr).write(w)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			badRequest("the request body is not a RoleMiningPotentialRoleExportRequest: %v", err).write(w)
			return
		}
	}
	minPop, includeCommon := 0, true
	if req.MinEntitlementPopularity != nil {
		minPop = *req.MinEntitlementPopularity
	}
	if req.IncludeCommonAccess != nil {
		includeCommon = *req.IncludeCommonAccess
	}
	if minPop < 0 || minPop > 100 {
		badRequest("minEntitlementPopularity is a percentage from 0 to 100, got %d", minPop).write(w)
		return
	}
	now := t.now()
	e := t.roleMining.start(now, sessionID, roleID, minPop, includeCommon)
	writeJSON(w, http.StatusAccepted, t.roleExportJSON(e, now))
}

func (t *Tenant) potentialRoleExportStatus(w http.ResponseWriter, r *http.Request) {
	e, err := t.roleExport(r)
	if err != nil {
		err.write(w)
		return
	}
	writeJSON(w, http.StatusOK, t.roleExportJSON(e, t.now()))
}

// downloadPotentialRoleZip streams the export's zip once it has succeeded.
func (t *Tenant) downloadPotentialRoleZip(w http.ResponseWriter, r *http.Request) {
	e, err := t.roleExport(r)
	if err != nil {
		err.write(w)
		return
	}
	if state := t.roleMining.state(e, t.now()); state != exportSuccess {
		badRequest("export %s is %s: it can be downloaded once it is %s", e.id, state, exportSuccess).write(w)
		return
	}
	pr := t.roleMining.potentialRole(e.sessionID, e.potentialRoleID, t.history.listIdentities())
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment;filename="potential-role-`+e.potentialRoleID+`.zip"`)
	w.WriteHeader(http.StatusOK)
	// Stream: the headers go now, the archive as it is written. A write
	// error can only cut the archive short, which the client's unzip sees.
	_ = http.NewResponseController(w).Flush()
	_ = writeRoleZip(w, pr, e, t.roleMining.finished(e))
}

func (t *Tenant) roleExportJSON(e *roleExport, now time.Time) roleExportJSON {
	return roleExportJSON{
		MinEntitlementPopularity: e.minEntitlementPopularity,
		IncludeCommonAccess:      e.includeCommonAccess,
		ExportID:                 e.id,
		Status:                   t.roleMining.state(e, now),
	}
}

// roleExport finds the export the request's path names.
func (t *Tenant) roleExport(r *http.Request) (*roleExport, *apiError) {
	sessionID, roleID, err := roleIDs(r)
	if err != nil {
		return nil, err
	}
	exportID := r.PathValue("exportId")
	if !isUUID(exportID) {
		return nil, badRequest("exportId must be a UUID, got %q", exportID)
	}
	return t.roleMining.get(sessionID, roleID, exportID)
}

// roleIDs reads the session and potential-role ids, which are UUIDs.
func roleIDs(r *http.Request) (sessionID, potentialRoleID string, err *apiError) {
	sessionID, potentialRoleID = r.PathValue("sessionId"), r.PathValue("potentialRoleId")
	if !isUUID(sessionID) {
		return "", "", badRequest("sessionId must be a UUID, got %q", sessionID)
	}
	if !isUUID(potentialRoleID) {
		return "", "", badRequest("potentialRoleId must be a UUID, got %q", potentialRoleID)
	}
	return sessionID, potentialRoleID, nil
}
