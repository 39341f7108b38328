package access_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/access"
)

const (
	historyKey = "sgk_history_0123456789abcdefghijklmnopqrstuvwxyzABCD"
	allKey     = "sgk_all_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHI"
)

// keysFile lists historyKey (identity history only) and allKey.
func keysFile(t *testing.T) string {
	t.Helper()
	var all []string
	for _, s := range access.AllScopes() {
		all = append(all, string(s))
	}
	h := must(access.EntryFor("history-bot", historyKey, "idn:identity-history:read"))
	a := must(access.EntryFor("admin", allKey, all...))
	return "# test keys\n\n" + string(h) + "\n" + string(a) + "\n"
}

func TestKeysRequired(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t)})
	const q = `{ gateway { tenant } }`
	for name, hdr := range map[string][]string{
		"no key":                   nil,
		"wrong key":                {"Authorization", "Bearer sgk_wrong_0123456789abcdefghijklmnopqrstuvwxyz"},
		"wrong key in X-API-Key":   {"X-API-Key", historyKey + "x"},
		"key's hash, not the key":  {"X-API-Key", access.HashKey(historyKey)},
		"other scheme":             {"Authorization", "Basic " + historyKey},
		"not a gateway key bearer": {"Authorization", "Bearer eyJhbGciOi.not.a.key"},
	} {
		t.Run(name, func(t *testing.T) {
			a := g.post(q, hdr...)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", a.status)
			}
			if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "UNAUTHENTICATED" || a.Errors[0].Message == "" {
				t.Fatalf("body %+v, want one UNAUTHENTICATED error", a.Errors)
			}
			if a.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
			if a.Data != nil {
				t.Errorf("data %v returned without a key", a.Data)
			}
		})
	}
	for _, hdr := range [][]string{
		{"Authorization", "Bearer " + historyKey},
		{"authorization", "bearer " + historyKey},
		{"X-API-Key", historyKey},
	} {
		if a := g.post(q, hdr...); a.status != http.StatusOK || len(a.Errors) > 0 || !strings.Contains(string(a.Data["gateway"]), g.sim) {
			t.Fatalf("%s: status %d errors %+v data %s", hdr[0], a.status, a.Errors, a.Data)
		}
	}
	if logs := g.logs.String(); strings.Contains(logs, historyKey) || strings.Contains(logs, "sgk_wrong") {
		t.Fatal("a key was logged")
	} else if !strings.Contains(logs, `"reason":"unknown API key"`) {
		t.Fatalf("refusals not logged: %s", logs)
	}
}

func TestScopeForbidsOneFieldAndReturnsTheRest(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t)})
	id := g.identityIDs(1)[0]
	q := fmt.Sprintf(`{
		identity(id: %q) { id displayName }
		task(id: "2c9180835d2e5168015d32f890ca1581") { id }
		report(taskResultId: "2c9180835d2e5168015d32f890ca1581") { id }
		roleMiningExport(sessionId: "s", potentialRoleId: "p", exportId: "e") { status }
		gateway { tenant }
	}`, id)
	before := g.calls()
	a := g.post(q, "X-API-Key", historyKey)
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	if !strings.Contains(string(a.Data["identity"]), id) || !strings.Contains(string(a.Data["gateway"]), g.sim) {
		t.Fatalf("allowed fields missing: %s", a.Data)
	}
	for _, f := range []string{"task", "report", "roleMiningExport"} {
		if string(a.Data[f]) != "null" || a.code(f) != "FORBIDDEN" {
			t.Errorf("%s: data %s code %q, want null and FORBIDDEN", f, a.Data[f], a.code(f))
		}
	}
	for _, e := range a.Errors {
		if e.Path[0] == "report" && !slices.Contains(e.Extensions["requiredScopes"].([]any), any("sp:report:read")) {
			t.Errorf("report error does not name its scopes: %+v", e)
		}
	}
	if n := g.calls() - before; n != 1 {
		t.Errorf("%d upstream calls, want 1 (the forbidden fields must not reach the tenant)", n)
	}

	// The same document with every scope: no FORBIDDEN anywhere.
	b := g.post(q, "X-API-Key", allKey)
	for _, f := range []string{"identity", "task", "report", "roleMiningExport"} {
		if b.code(f) == "FORBIDDEN" {
			t.Errorf("%s forbidden to a key with every scope", f)
		}
	}

	// A forbidden mutation is not sent.
	before = g.calls()
	m := g.post(`mutation { cancelReport(taskResultId: "x") }`, "X-API-Key", historyKey)
	if m.code("cancelReport") != "FORBIDDEN" || g.calls() != before {
		t.Fatalf("mutation: %+v, %d calls", m.Errors, g.calls()-before)
	}
}

// A refused root field costs only itself: the document, with a key
// that may read identities but not tasks, keeps its identity.
func TestForbiddenRootFieldCostsOnlyItself(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t)})
	id := g.identityIDs(1)[0]
	a := g.post(fmt.Sprintf(`{
		identity(id: %q) { displayName }
		identities(first: 1) { nodes { id } }
		pendingTaskCount
		tasks(first: 1) { totalCount }
		pendingTasks(first: 1) { totalCount }
	}`, id), "X-API-Key", historyKey)
	if a.status != http.StatusOK || a.Data == nil {
		t.Fatalf("status %d, data %s, errors %+v", a.status, a.Data, a.Errors)
	}
	if !strings.Contains(string(a.Data["identity"]), "displayName") || !strings.Contains(string(a.Data["identities"]), id[:4]) {
		t.Errorf("the allowed roots are lost: %s", a.Data)
	}
	for _, f := range []string{"pendingTaskCount", "tasks", "pendingTasks"} {
		if string(a.Data[f]) != "null" || a.code(f) != "FORBIDDEN" {
			t.Errorf("%s: data %s code %q, want null and FORBIDDEN", f, a.Data[f], a.code(f))
		}
	}
}

func TestAnonymousHasEveryScope(t *testing.T) {
	g := newGateway(t, setup{})
	a := g.post(`{ task(id: "2c9180835d2e5168015d32f890ca1581") { id } report(taskResultId: "x") { id } }`)
	for _, f := range []string{"task", "report"} {
		if a.code(f) == "FORBIDDEN" {
			t.Errorf("%s forbidden to the anonymous caller", f)
		}
	}
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
}

// Two credentials that disagree are refused, whichever of them is valid.
func TestConflictingCredentialsRefused(t *testing.T) {
	g := newGateway(t, setup{keys: keysFile(t)})
	const q = `{ gateway { tenant } }`
	a := g.post(q, "Authorization", "Bearer sgk_wrong_0123456789abcdefghijklmnopqrstuvwxyz", "X-API-Key", historyKey)
	if a.status != http.StatusUnauthorized || len(a.Errors) != 1 || !strings.Contains(a.Errors[0].Message, "two different API keys") {
		t.Fatalf("a wrong bearer beside a valid key: %d %+v", a.status, a.Errors)
	}
	if a := g.post(q, "Authorization", "Bearer "+historyKey, "X-API-Key", historyKey); a.status != http.StatusOK {
		t.Fatalf("the same key twice: %d %+v", a.status, a.Errors)
	}
	p := newGateway(t, setup{passThrough: true})
	tok := p.token("alpha")
	if a := p.post(q, "Authorization", "Bearer other-token", "X-ISC-Token", tok); a.status != http.StatusUnauthorized {
		t.Fatalf("two different ISC tokens: %d", a.status)
	}
}
