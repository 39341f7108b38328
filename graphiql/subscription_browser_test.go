package graphiql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sailgraph/sailgraph/access"
	"github.com/sailgraph/sailgraph/gateway/gatewaytest"
	"github.com/sailgraph/sailgraph/internal/browsertest"
	"github.com/sailgraph/sailgraph/simtenant"
)

// A person runs a subscription in the page, in a real headless Chromium:
// with the gateway's API key in GraphiQL's Headers tab, the page opens a
// WebSocket to the endpoint (graphql-transport-ws, with the graphql-ws
// client GraphiQL bundles; the key goes in connection_init), and the
// result pane follows a running report to its end, download URL and all.
// The page logs no errors and violates none of its content security
// policy on the way.
func TestGraphiQLRunsSubscriptions(t *testing.T) {
	key := access.GenerateKey()
	line, err := access.EntryFor("graphiql", key, "sp:report:read", "sp:report:manage")
	if err != nil {
		t.Fatal(err)
	}
	gw := gatewaytest.New(t, gatewaytest.Options{
		Tenant: simtenant.Options{Seed: 1, Identities: 200, ReportDuration: 3 * time.Second},
		Keys:   string(line),
	})
	browser := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	page, err := browser.NewPage(ctx, shotWidth, shotHeight)
	if err != nil {
		t.Fatal(err)
	}
	step := steps(t, page, "graphiql-subscription-failed.png")
	editor := func(label string) string {
		return `document.querySelector('` + label + ` .CodeMirror').CodeMirror`
	}
	step("load the page", page.Navigate(ctx, gw.URL+"/"))
	step("GraphiQL renders", page.WaitFor(ctx, `document.querySelector('`+executeButton+`') && `+editor(`.graphiql-query-editor`)))

	// The Headers tab holds the key, as a person would paste it there.
	// (The page introspected the schema when it loaded, before the key
	// was there: a keyed gateway answered that 401.)
	step("open the headers", page.Click(ctx, `button[data-name="headers"]`))
	step("the headers editor shows", page.WaitFor(ctx, editor(`.graphiql-editor-tool .graphiql-editor:not(.hidden)`)))
	headers := fmt.Sprintf(`{"Authorization": "Bearer %s"}`, key)
	step("type the key", page.Eval(ctx, editor(`.graphiql-editor-tool .graphiql-editor:not(.hidden)`)+`.setValue(`+jsString(headers)+`)`, nil))
	before := len(page.Problems())

	id := startReport(t, gw, key)
	query := `subscription Follow { reportProgress(taskResultId: "` + id + `") { id status downloadUrl(format: CSV) } }`
	step("write the subscription", page.Eval(ctx, editor(`.graphiql-query-editor`)+`.setValue(`+jsString(query)+`)`, nil))
	// GraphiQL learns the operation's name after a debounce; its tab shows
	// it then.
	step("GraphiQL reads the operation", page.WaitText(ctx, `.graphiql-tab-active`, "Follow"))
	step("run it", page.Click(ctx, executeButton))
	step("the result pane shows the running report",
		page.WaitFor(ctx, responseText+`.includes('"reportProgress"') && `+responseText+`.includes('"status": null')`))
	step("then its end, with the download URL",
		page.WaitFor(ctx, responseText+`.includes('"status": "SUCCESS"') && `+responseText+`.includes('/download/reports/`+id+`?format=csv')`))
	var pane string
	step("read the result", page.Eval(ctx, responseText, &pane))
	if strings.Contains(pane, `"errors"`) {
		t.Errorf("the result pane shows errors:\n%s", pane)
	}
	if st := gw.GW.Jobs(); st.Polling != 0 {
		t.Errorf("the gateway still polls after the report ended: %+v", st)
	}
	shot, err := page.Screenshot(ctx)
	step("screenshot", err)
	saveScreenshot(t, "graphiql-subscription.png", shot)
	if p := page.Problems()[before:]; len(p) > 0 {
		t.Errorf("the page reported problems:\n%q", p)
	}
}

// startReport starts a report through the gateway with key and returns
// its task result id.
func startReport(t *testing.T, gw *gatewaytest.Gateway, key string) string {
	t.Helper()
	r := gw.Query(`mutation { startReport(input: {reportType: IDENTITIES}) { id } }`, nil, "Authorization", "Bearer "+key)
	var run struct{ StartReport struct{ ID string } }
	if err := json.Unmarshal(r.Data, &run); err != nil || run.StartReport.ID == "" || len(r.Errors) > 0 {
		t.Fatalf("start a report: %s %+v", r.Data, r.Errors)
	}
	return run.StartReport.ID
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
