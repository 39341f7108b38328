package tasks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const taskJSON = `{"id":"ef38f94347e94562b5bb8424a56397d8","type":"QUARTZ","uniqueName":"Cloud Account Aggregation","description":"Aggregate from the specified application","parentName":"Audit Report","launcher":"sweep","target":{"id":"c6dc37bf508149b28ce5b7d90ca4bbf9","type":"APPLICATION","name":"Active Directory [source]"},"created":"2024-05-17T19:33:16.470Z","modified":"2024-05-17T19:33:17.470Z","launched":"2024-05-17T19:33:16.570Z","completed":"2024-05-17T19:34:16.470Z","completionStatus":"SUCCESS","messages":[{"type":"INFO","localizedText":{"locale":"en-US","message":"Aggregation done"},"key":"aggregation.done","parameters":[{"name":"value"}]}],"returns":[{"name":"label","attributeName":"identityCount"}],"attributes":{"identityCount":12,"appId":"c6dc37bf508149b28ce5b7d90ca4bbf9"},"progress":"Completed","percentComplete":100,"taskDefinitionSummary":{"id":"2c91808475b4334b0175e1dff64b63c5","uniqueName":"Cloud Account Aggregation","description":"Aggregates from the specified application.","parentName":"Cloud Account Aggregation","executor":"sailpoint.task.ServiceTaskExecutor","arguments":{"mantisExecutor":"com.sailpoint.mantis.sources.task.AccountAggregationTask"}}}`

// BenchmarkGetTaskStatus is one task by id from a loopback server answering
// fixed bytes: the client path with no upstream wait.
func BenchmarkGetTaskStatus(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, taskJSON)
	}))
	b.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.Client())
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		ts, err := c.GetTaskStatus(ctx, "ef38f94347e94562b5bb8424a56397d8")
		if err != nil || ts.PercentComplete != 100 {
			b.Fatalf("%+v, %v", ts, err)
		}
	}
}
