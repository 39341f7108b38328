package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/internal/logtest"
	"github.com/sailgraph/sailgraph/internal/redistest"
)

// gqlResponse is a GraphQL response with its errors' codes.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func postGraphQL(t *testing.T, base, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

// The whole gateway as `go run .` starts it, with SAILGRAPH_REDIS_URL set:
// the cache lands in Redis, a report runs to a file streamed through the
// gateway's own download endpoint, and killing Redis costs no request.
func TestFullStackWithRedis(t *testing.T) {
	rs := redistest.Start(t)
	rdb := rs.Client()
	addr := freeAddr(t)
	var logs logtest.Buffer
	startRun(t, nil, map[string]string{
		"SAILGRAPH_ADDR":           addr,
		"SAILGRAPH_REDIS_URL":      rs.URL(),
		"SAILGRAPH_SIM_IDENTITIES": "40",
	}, &logs)
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")

	page := `{ identities(first: 3) { nodes { id displayName accessItems(first: 5) { totalCount nodes { __typename id } } } } }`
	first := postGraphQL(t, base, page, nil)
	if len(first.Errors) > 0 || !strings.Contains(string(first.Data), `"displayName"`) {
		t.Fatalf("identity page: %s %+v", first.Data, first.Errors)
	}
	keys, err := rdb.Keys(context.Background(), "sg:cache:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no cache entry in Redis after a query (%v): %v", err, keys)
	}
	if again := postGraphQL(t, base, page, nil); string(again.Data) != string(first.Data) {
		t.Fatalf("a repeated query answered differently:\n%s\n%s", first.Data, again.Data)
	}

	// A report, run and downloaded through the gateway.
	started := postGraphQL(t, base, `mutation { startReport(input: {reportType: IDENTITIES, identities: {correlatedOnly: false}}) { id } }`, nil)
	var st struct{ StartReport struct{ ID string } }
	if len(started.Errors) > 0 || json.Unmarshal(started.Data, &st) != nil || st.StartReport.ID == "" {
		t.Fatalf("startReport: %s %+v", started.Data, started.Errors)
	}
	var url string
	deadline := time.Now().Add(30 * time.Second)
	for url == "" {
		if time.Now().After(deadline) {
			t.Fatal("the report never finished")
		}
		r := postGraphQL(t, base, `query($id: ID!) { report(taskResultId: $id) { status rows downloadUrl(format: CSV) } }`, map[string]any{"id": st.StartReport.ID})
		var rep struct {
			Report struct {
				Status      *string
				DownloadURL *string
			}
		}
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &rep) != nil {
			t.Fatalf("report: %s %+v", r.Data, r.Errors)
		}
		if rep.Report.Status != nil && *rep.Report.Status == "SUCCESS" && rep.Report.DownloadURL != nil {
			url = *rep.Report.DownloadURL
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.HasPrefix(url, "/download/reports/") {
		t.Fatalf("downloadUrl %q is not the gateway's own endpoint", url)
	}
	resp, err := http.Get(base + url)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("download: %d %v", resp.StatusCode, err)
	}
	if len(rows) < 2 || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename=") {
		t.Fatalf("download: %d rows, Content-Disposition %q", len(rows), resp.Header.Get("Content-Disposition"))
	}
	miss, err := http.Get(base + "/download/reports/no-such-report?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(miss.Body)
	miss.Body.Close()
	if miss.StatusCode != 404 || !strings.Contains(string(b), `"NOT_FOUND"`) {
		t.Fatalf("unknown report download: %d %s", miss.StatusCode, b)
	}

	// Redis dies: the gateway keeps answering, from the tenant.
	rs.Stop()
	for i, q := range []string{
		`{ identities(first: 2, startsWith: "A") { nodes { id } } tasks(first: 2) { nodes { id } } }`,
		`{ pendingTaskCount tasks(first: 3) { nodes { id completionStatus } } }`,
		page,
	} {
		r := postGraphQL(t, base, q, nil)
		if len(r.Errors) > 0 || len(r.Data) < 10 {
			t.Fatalf("with Redis down, query %d: %s %+v", i, r.Data, r.Errors)
		}
	}
}
