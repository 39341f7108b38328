package simtenant

import (
	"encoding/json"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// reportRetention is how long a report run is kept after it started;
// older runs are dropped when another one starts.
const reportRetention = 24 * time.Hour

// Report statuses of the ReportResults schema; a running report has none.
const (
	reportRunning    = ""
	reportSuccess    = "SUCCESS"
	reportTerminated = "TERMINATED"
)

// reportRun is one run of a report. It is immutable; whether it was
// cancelled is kept by the store.
type reportRun struct {
	id       string
	typ      *reportType
	args     reportArgs
	argsKey  string // the canonical arguments, to find a concurrent twin
	launcher string
	created  time.Time
	done     time.Time // when it completes unless cancelled
	formats  []string
	table    reportTable
}

// reportView is a run as seen at one instant.
type reportView struct {
	*reportRun
	status   string    // reportRunning, reportSuccess or reportTerminated
	finished time.Time // zero while running
}

// reportStore holds the tenant's report runs. A run's state follows from
// the clock: it is running for the report duration after it started, then
// SUCCESS, unless it was cancelled first.
type reportStore struct {
	seed     uint64
	duration time.Duration
	types    []*reportType
	// fileBytes, when positive, is the size of every CSV file served.
	fileBytes atomic.Int64

	mu        sync.Mutex
	rng       *rand.Rand
	runs      map[string]*reportRun
	cancelled map[string]time.Time
}

func newReportStore(seed uint64, d time.Duration) *reportStore {
	return &reportStore{
		seed:      seed,
		duration:  d,
		types:     reportTypes(),
		rng:       rand.New(rand.NewPCG(seed, 0x4e90)),
		runs:      map[string]*reportRun{},
		cancelled: map[string]time.Time{},
	}
}

// reportType returns the report type named name, or nil.
func (s *reportStore) reportType(name string) *reportType {
	for _, rt := range s.types {
		if rt.name == name {
			return rt
		}
	}
	return nil
}

// start runs a report of rt with args over identities, unless one of the
// same type and arguments is still running: ISC's report tasks are not
// concurrent, so that one is answered instead.
func (s *reportStore) start(now time.Time, rt *reportType, args reportArgs, launcher string, identities []*identity) reportView {
	key, _ := json.Marshal(args) // a struct of strings, bools and slices cannot fail
	table := rt.table(reportInput{
		identities: identities,
		args:       args,
		rng:        rand.New(rand.NewPCG(s.seed, streamOf(rt.name, string(key)))),
		now:        now,
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	for _, run := range s.runs {
		if run.typ == rt && run.argsKey == string(key) {
			if v := s.viewLocked(run, now); v.status == reportRunning {
				return v
			}
		}
	}
	run := &reportRun{
		id: hexID32(s.rng), typ: rt, args: args, argsKey: string(key), launcher: launcher,
		created: now, done: now.Add(s.duration), formats: args.formats(), table: table,
	}
	s.runs[run.id] = run
	return s.viewLocked(run, now)
}

// view returns the run with id as it stands at now.
func (s *reportStore) view(id string, now time.Time) (reportView, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run, ok := s.runs[id]
	if !ok {
		return reportView{}, notFound("Report", id)
	}
	return s.viewLocked(run, now), nil
}

// cancel terminates a running report; a finished one cannot be cancelled.
func (s *reportStore) cancel(id string, now time.Time) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	run, ok := s.runs[id]
	if !ok {
		return notFound("Report", id)
	}
	if v := s.viewLocked(run, now); v.status != reportRunning {
		return badRequest("report %s is not running: it finished with status %s", id, v.status)
	}
	s.cancelled[id] = now
	return nil
}

func (s *reportStore) viewLocked(run *reportRun, now time.Time) reportView {
	if at, ok := s.cancelled[run.id]; ok {
		return reportView{reportRun: run, status: reportTerminated, finished: at}
	}
	if !now.Before(run.done) {
		return reportView{reportRun: run, status: reportSuccess, finished: run.done}
	}
	return reportView{reportRun: run, status: reportRunning}
}

// prune drops runs started more than the retention ago.
func (s *reportStore) prune(now time.Time) {
	for id, run := range s.runs {
		if now.Sub(run.created) > reportRetention {
			delete(s.runs, id)
			delete(s.cancelled, id)
		}
	}
}
