package simtenant

import (
	"math/rand/v2"
	"sync"
	"time"
)

// exportRetention is how long a potential-role export is kept after it
// was requested; older ones are dropped when another one is requested.
const exportRetention = 24 * time.Hour

// Export states of the RoleMiningPotentialRoleExportState schema.
const (
	exportQueued     = "QUEUED"
	exportInProgress = "IN_PROGRESS"
	exportSuccess    = "SUCCESS"
)

// roleExport is one potential-role export job; it is immutable.
type roleExport struct {
	id, sessionID, potentialRoleID string
	minEntitlementPopularity       int
	includeCommonAccess            bool
	created                        time.Time
}

// roleMiningStore holds export jobs and caches the potential roles they
// export. A job's state follows from the clock: QUEUED for one step after
// it was requested, IN_PROGRESS for the next, then SUCCESS.
type roleMiningStore struct {
	seed uint64
	step time.Duration

	mu      sync.Mutex
	rng     *rand.Rand
	exports map[string]*roleExport
	roles   map[potentialRoleKey]*potentialRole
}

func newRoleMiningStore(seed uint64, step time.Duration) *roleMiningStore {
	return &roleMiningStore{
		seed:    seed,
		step:    step,
		rng:     rand.New(rand.NewPCG(seed, 0xe4b0)),
		exports: map[string]*roleExport{},
		roles:   map[potentialRoleKey]*potentialRole{},
	}
}

// start records a new export job requested at now.
func (s *roleMiningStore) start(now time.Time, sessionID, potentialRoleID string, minPopularity int, includeCommon bool) *roleExport {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	e := &roleExport{
		id: uuid4(s.rng), sessionID: sessionID, potentialRoleID: potentialRoleID,
		minEntitlementPopularity: minPopularity, includeCommonAccess: includeCommon, created: now,
	}
	s.exports[e.id] = e
	return e
}

// get returns the export job with id for that session and potential role.
func (s *roleMiningStore) get(sessionID, potentialRoleID, id string) (*roleExport, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.exports[id]
	if !ok || e.sessionID != sessionID || e.potentialRoleID != potentialRoleID {
		return nil, notFound("Potential role export", id)
	}
	return e, nil
}

// state is the job's state at now.
func (s *roleMiningStore) state(e *roleExport, now time.Time) string {
	switch elapsed := now.Sub(e.created); {
	case elapsed < s.step:
		return exportQueued
	case elapsed < 2*s.step:
		return exportInProgress
	}
	return exportSuccess
}

// finished is when the job reached SUCCESS.
func (s *roleMiningStore) finished(e *roleExport) time.Time { return e.created.Add(2 * s.step) }

// potentialRole returns the potential role of a session, generating it
// from the seed and the two ids on first use.
func (s *roleMiningStore) potentialRole(sessionID, potentialRoleID string, identities []*identity) *potentialRole {
	k := potentialRoleKey{sessionID, potentialRoleID}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pr, ok := s.roles[k]; ok {
		return pr
	}
	pr := generatePotentialRole(s.seed, k, identities)
	s.roles[k] = pr
	return pr
}

// prune drops exports requested more than the retention ago, and the
// cached potential roles no remaining export refers to.
func (s *roleMiningStore) prune(now time.Time) {
	live := map[potentialRoleKey]bool{}
	for id, e := range s.exports {
		if now.Sub(e.created) > exportRetention {
			delete(s.exports, id)
			continue
		}
		live[potentialRoleKey{e.sessionID, e.potentialRoleID}] = true
	}
	for k := range s.roles {
		if !live[k] {
			delete(s.roles, k)
		}
	}
}
