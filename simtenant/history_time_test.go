package simtenant

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
)

// TestScheduledRoleRemovalTakesEffect drives the clock past a role's
// removeDate: the role leaves the current access, an AccessItemRemoved
// event appears at that instant, and earlier snapshots keep it.
func TestScheduledRoleRemovalTakesEffect(t *testing.T) {
	h, clock := newHistHarness(t)
	var role *histHeld
	p := histPick(t, h, "holding a role with a removal date", func(p *identity, tl *histTimeline) bool {
		for _, it := range tl.stateAt(clock.Now()).items() {
			if !it.removeDate.IsZero() {
				role = it
				return true
			}
		}
		return false
	})
	roles := histGetAll[histTestItem](h, p.ID, "/access-items", url.Values{"type": {"role"}})
	i := slices.IndexFunc(roles, func(it histTestItem) bool { return it.ID == role.id() })
	if i < 0 || roles[i].RemoveDate == nil || *roles[i].RemoveDate != formatTime(role.removeDate) || !roles[i].Revocable {
		t.Fatalf("role %s before its removal: %+v", role.name(), roles)
	}
	before := url.PathEscape(formatTime(clock.Now()))

	clock.Advance(role.removeDate.Sub(clock.Now()))
	h.token = h.fetchToken() // the old one expired on the way
	roles = histGetAll[histTestItem](h, p.ID, "/access-items", url.Values{"type": {"role"}})
	if slices.ContainsFunc(roles, func(it histTestItem) bool { return it.ID == role.id() }) {
		t.Fatalf("role %s still held at its removeDate", role.name())
	}
	var newest []histTestEvent
	h.get(histPath(p.ID, "/events", url.Values{"eventTypes": {"AccessItemRemoved"}, "accessItemTypes": {"role"}, "limit": {"1"}}), http.StatusOK, &newest)
	if len(newest) != 1 || newest[0].AccessItem.ID != role.id() || newest[0].DateTime != formatTime(role.removeDate) || newest[0].GovernanceEvent != nil {
		t.Fatalf("newest role removal %+v, want %s at %s", newest, role.name(), formatTime(role.removeDate))
	}
	var then []histTestItem
	h.get(histPath(p.ID, "/snapshots/"+before+"/access-items", url.Values{"type": {"role"}}), http.StatusOK, &then)
	if !slices.ContainsFunc(then, func(it histTestItem) bool { return it.ID == role.id() }) {
		t.Errorf("the snapshot before the removal lost role %s", role.name())
	}
}

// TestHistoryConcurrentFirstUse asks for the same identities' histories
// from several goroutines at once: timelines are made once and every
// caller sees the same answer (run with -race).
func TestHistoryConcurrentFirstUse(t *testing.T) {
	h, _ := newHistHarness(t)
	people := h.tn.history.listIdentities()[:4]
	const workers = 6
	bodies := make([][][]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, p := range people {
				req, err := http.NewRequest(http.MethodGet, h.srv.URL+histPath(p.ID, "/events", nil), nil)
				if err != nil {
					t.Error(err)
					return
				}
				status, _, body := func() (int, http.Header, []byte) {
					resp, err := h.client.Do(req)
					if err != nil {
						t.Error(err)
						return 0, nil, nil
					}
					defer resp.Body.Close()
					var buf bytes.Buffer
					_, _ = buf.ReadFrom(resp.Body)
					return resp.StatusCode, resp.Header, buf.Bytes()
				}()
				if status != http.StatusOK {
					t.Errorf("%s: %d", p.ID, status)
				}
				bodies[w] = append(bodies[w], body)
			}
		})
	}
	wg.Wait()
	for w := 1; w < workers; w++ {
		for i := range people {
			if len(bodies[w]) != len(people) || !bytes.Equal(bodies[w][i], bodies[0][i]) {
				t.Fatalf("worker %d saw a different history of %s", w, people[i].ID)
			}
		}
	}
	if len(bodies[0][0]) < 100 {
		t.Fatalf("history too short: %s", bodies[0][0])
	}
}
