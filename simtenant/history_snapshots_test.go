package simtenant

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type histTestSnapshot struct{ Snapshot string }

func histSnapshotTimes(t *testing.T, snaps []histTestSnapshot) []time.Time {
	t.Helper()
	out := make([]time.Time, len(snaps))
	for i, s := range snaps {
		at, err := time.Parse(time.RFC3339, s.Snapshot)
		if err != nil || !strings.HasSuffix(s.Snapshot, "Z") {
			t.Fatalf("snapshot %q: %v", s.Snapshot, err)
		}
		out[i] = at
	}
	return out
}

func TestListIdentitySnapshots(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histEventful(t, h)
	monthly := histGetAll[histTestSnapshot](h, p.ID, "/snapshots", nil)
	times := histSnapshotTimes(t, monthly)
	if !times[0].Equal(p.StartDate) || len(times) < 3 {
		t.Fatalf("first snapshot %v (of %d), start date %v", times[0], len(times), p.StartDate)
	}
	for i, at := range times[1:] {
		if at.Day() != 1 || at.Hour() != 0 || at.Minute() != 0 || at.Second() != 0 || at.Nanosecond() != 0 || !times[i].Before(at) || at.After(clock.Now()) {
			t.Fatalf("monthly snapshot %d: %v after %v", i+1, at, times[i])
		}
		if y, m, _ := times[i].Date(); at.Month() != m%12+1 || (m == 12) != (at.Year() == y+1) {
			t.Fatalf("monthly snapshots skip a month: %v then %v", times[i], at)
		}
	}
	if got := histGetAll[histTestSnapshot](h, p.ID, "/snapshots", url.Values{"interval": {"month"}}); !slices.Equal(got, monthly) {
		t.Errorf("interval=month differs from the default")
	}

	// Paging, count and start.
	var page []histTestSnapshot
	hdr := h.get(histPath(p.ID, "/snapshots", url.Values{"limit": {"2"}, "offset": {"1"}, "count": {"true"}}), http.StatusOK, &page)
	if histTotal(t, hdr) != len(monthly) || !slices.Equal(page, monthly[1:3]) {
		t.Errorf("page: total %s, %v", hdr.Get("X-Total-Count"), page)
	}
	start := times[len(times)/2].Add(-time.Hour)
	got := histGetAll[histTestSnapshot](h, p.ID, "/snapshots", url.Values{"start": {histFmt(start)}})
	if !slices.Equal(got, monthly[len(times)/2:]) {
		t.Errorf("start=%v: %d snapshots", start, len(got))
	}

	// By day: the last change of each day with changes, which are the events.
	daily := histSnapshotTimes(t, histGetAll[histTestSnapshot](h, p.ID, "/snapshots", url.Values{"interval": {"day"}}))
	events := histGetAll[histTestEvent](h, p.ID, "/events", nil)
	lastOfDay := map[string]time.Time{}
	for _, e := range events {
		day := e.DateTime[:10]
		if at := e.at(t); at.After(lastOfDay[day]) {
			lastOfDay[day] = at
		}
	}
	if len(daily) != len(lastOfDay) || len(daily) <= len(times) {
		t.Errorf("%d daily snapshots, events on %d days, %d monthly snapshots", len(daily), len(lastOfDay), len(times))
	}
	for i, at := range daily {
		if !lastOfDay[at.Format(time.DateOnly)].Equal(at) || (i > 0 && !daily[i-1].Before(at)) {
			t.Fatalf("daily snapshot %v is not the last change of its day", at)
		}
	}

	// A deleted identity has no monthly snapshot after its deletion.
	deleted := histPick(t, h, "deleted", func(p *identity, _ *histTimeline) bool { return p.DeletedDate != nil })
	dt := histSnapshotTimes(t, histGetAll[histTestSnapshot](h, deleted.ID, "/snapshots", nil))
	if last := dt[len(dt)-1]; last.After(*deleted.DeletedDate) || deleted.DeletedDate.Sub(last) > 31*histDay {
		t.Errorf("deleted %v, last snapshot %v", deleted.DeletedDate, last)
	}

	for _, path := range []string{
		histPath(p.ID, "/snapshots", url.Values{"interval": {"week"}}),
		histPath(p.ID, "/snapshots", url.Values{"start": {"soon"}}),
		histPath(p.ID, "/snapshots", url.Values{"count": {"yes"}}),
	} {
		if status, body := histRawStatus(h, path); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

func TestGetIdentitySnapshot(t *testing.T) {
	h, clock := newHistHarness(t)
	p := histEventful(t, h)
	monthly := histGetAll[histTestSnapshot](h, p.ID, "/snapshots", nil)
	distinct := map[string]bool{}
	for _, s := range monthly {
		var snap histTestIdentity
		h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(s.Snapshot), nil), http.StatusOK, &snap)
		if snap.Snapshot != s.Snapshot || snap.ID != p.ID || snap.DisplayName != p.DisplayName || snap.DeletedDate != nil {
			t.Fatalf("snapshot at %s: %+v", s.Snapshot, snap)
		}
		var items []histTestItem
		h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(s.Snapshot)+"/access-items", nil), http.StatusOK, &items)
		counts := map[string]int{"accessProfile": 0, "account": 0, "app": 0, "entitlement": 0, "role": 0}
		for _, it := range items {
			counts[it.AccessType]++
		}
		if fmt.Sprint(counts) != fmt.Sprint(snap.AccessItemCount) {
			t.Errorf("at %s accessItemCount %v, access items %v", s.Snapshot, snap.AccessItemCount, counts)
		}
		distinct[fmt.Sprint(counts)] = true
	}
	if len(distinct) < 3 {
		t.Errorf("only %d distinct accessItemCounts over %d monthly snapshots", len(distinct), len(monthly))
	}

	// Any instant works: the state as of it, labelled with it.
	at := "2025-06-15T08:30:00Z"
	if p.StartDate.After(time.Date(2025, 6, 15, 8, 30, 0, 0, time.UTC)) {
		at = formatTime(p.StartDate.Add(time.Hour))
	}
	var snap histTestIdentity
	h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(at), nil), http.StatusOK, &snap)
	if !histSameInstant(t, snap.Snapshot, at) {
		t.Errorf("snapshot at %s labelled %s", at, snap.Snapshot)
	}

	// A deleted identity: no deletedDate before its deletion, then nothing held.
	deleted := histPick(t, h, "deleted", func(p *identity, _ *histTimeline) bool { return p.DeletedDate != nil })
	for _, tc := range []struct {
		at      time.Time
		deleted bool
	}{{deleted.DeletedDate.Add(-time.Millisecond), false}, {*deleted.DeletedDate, true}} {
		h.get(histPath(deleted.ID, "/snapshots/"+url.PathEscape(formatTime(tc.at)), nil), http.StatusOK, &snap)
		total := 0
		for _, n := range snap.AccessItemCount {
			total += n
		}
		if (snap.DeletedDate != nil) != tc.deleted || (total == 0) != tc.deleted {
			t.Errorf("deleted identity at %v: deletedDate %v, %d items", tc.at, snap.DeletedDate, total)
		}
	}

	h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(formatTime(p.StartDate.Add(-time.Millisecond))), nil), http.StatusNotFound, nil)
	for _, date := range []string{"garbage", formatTime(clock.Now().Add(time.Hour))} {
		h.get(histPath(p.ID, "/snapshots/"+url.PathEscape(date), nil), http.StatusBadRequest, nil)
	}
}

type histTestMetric struct {
	Name  string
	Value float64
}

func TestIdentitySnapshotSummary(t *testing.T) {
	h, _ := newHistHarness(t)
	p := histEventful(t, h)
	events := histGetAll[histTestEvent](h, p.ID, "/events", nil)
	sum := func(ms []histTestMetric) int {
		n := 0
		for _, m := range ms {
			n += int(m.Value)
		}
		return n
	}
	check := func(q url.Values, wantSum int, inZone func(time.Time) bool, periodStart func(time.Time) bool) []histTestMetric {
		t.Helper()
		ms := histGetAll[histTestMetric](h, p.ID, "/snapshot-summary", q)
		if sum(ms) != wantSum || len(ms) == 0 {
			t.Errorf("%s: %d events in %d periods, want %d", q.Encode(), sum(ms), len(ms), wantSum)
		}
		var prev time.Time
		for i, m := range ms {
			at, err := time.Parse("2006-01-02T15:04:05.000Z07:00", m.Name)
			if err != nil || m.Value < 1 || !inZone(at) || !periodStart(at) || !prev.Before(at) {
				t.Errorf("%s: metric %d %+v", q.Encode(), i, m)
			}
			prev = at
		}
		return ms
	}
	utc := func(at time.Time) bool { _, off := at.Zone(); return off == 0 }
	monthStart := func(at time.Time) bool { return at.Day() == 1 && at.Hour() == 0 && at.Minute() == 0 }
	dayStart := func(at time.Time) bool { return at.Hour() == 0 && at.Minute() == 0 && at.Second() == 0 }

	months := check(url.Values{}, len(events), utc, monthStart)
	days := check(url.Values{"interval": {"day"}}, len(events), utc, dayStart)
	if len(days) <= len(months) {
		t.Errorf("%d days with events but %d months", len(days), len(months))
	}
	// Per month as counted from the events themselves.
	perMonth := map[string]int{}
	for _, e := range events {
		perMonth[e.DateTime[:7]+"-01T00:00:00.000Z"]++
	}
	for _, m := range months {
		if perMonth[m.Name] != int(m.Value) {
			t.Errorf("month %s: %v events, the event list has %d", m.Name, m.Value, perMonth[m.Name])
		}
	}

	// before: only earlier events.
	before := events[len(events)/2].at(t)
	earlier := 0
	for _, e := range events {
		if e.at(t).Before(before) {
			earlier++
		}
	}
	check(url.Values{"before": {histFmt(before)}}, earlier, utc, monthStart)

	// A time zone shifts the periods' boundaries, not the total.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	inNY := func(at time.Time) bool {
		_, off := at.Zone()
		_, want := at.In(ny).Zone()
		return off == want && off != 0
	}
	check(url.Values{"time-zone": {"America/New_York"}, "interval": {"day"}}, len(events), inNY, dayStart)
	tokyo := check(url.Values{"time-zone": {"Asia/Tokyo"}}, len(events), func(at time.Time) bool { _, off := at.Zone(); return off == 9*3600 }, monthStart)
	if strings.HasSuffix(tokyo[0].Name, "Z") {
		t.Errorf("Tokyo months named in UTC: %s", tokyo[0].Name)
	}

	var page []histTestMetric
	hdr := h.get(histPath(p.ID, "/snapshot-summary", url.Values{"count": {"true"}, "limit": {"2"}, "offset": {"1"}}), http.StatusOK, &page)
	if histTotal(t, hdr) != len(months) || len(page) != 2 || page[0] != months[1] {
		t.Errorf("summary paging: total %s, %v", hdr.Get("X-Total-Count"), page)
	}

	for _, q := range []url.Values{{"time-zone": {"Mars/Olympus_Mons"}}, {"time-zone": {"Local"}}, {"before": {"later"}}} {
		h.get(histPath(p.ID, "/snapshot-summary", q), http.StatusBadRequest, nil)
	}
	if status, body := histRawStatus(h, histPath(p.ID, "/snapshot-summary", url.Values{"interval": {"year"}})); status != http.StatusBadRequest {
		t.Errorf("interval=year: %d %s", status, body)
	}
}
