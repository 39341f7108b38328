package simtenant

import (
	"slices"
	"time"
)

// Snapshot intervals of listIdentitySnapshots and getIdentitySnapshotSummary.
const (
	histIntervalMonth = "month"
	histIntervalDay   = "day"
)

// changesUntil returns the instants at which the identity changed, up to
// now: its start date and the instant of every event, in time order.
func (tl *histTimeline) changesUntil(now time.Time) []time.Time {
	out := []time.Time{tl.p.StartDate}
	for _, e := range tl.eventsUntil(now) {
		if e.at.After(out[len(out)-1]) {
			out = append(out, e.at)
		}
	}
	return out
}

// latestSnapshot is the instant of the identity's last change up to now.
func (tl *histTimeline) latestSnapshot(now time.Time) time.Time {
	ch := tl.changesUntil(now)
	return ch[len(ch)-1]
}

// snapshots lists the identity's snapshots up to now, from start on.
// By month: its start date, then the first instant (UTC) of every later
// month until it was deleted. By day: the last change of every UTC day on
// which it changed. A snapshot shows the identity as of its instant.
func (tl *histTimeline) snapshots(interval string, start, now time.Time) []time.Time {
	var out []time.Time
	switch interval {
	case histIntervalDay:
		for _, c := range tl.changesUntil(now) {
			if n := len(out); n > 0 && histSameUTCDay(out[n-1], c) {
				out[n-1] = c
			} else {
				out = append(out, c)
			}
		}
	default:
		end := now
		if d := tl.p.DeletedDate; d != nil && d.Before(end) {
			end = *d
		}
		s := tl.p.StartDate
		for m := s; !m.After(end); m = time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, time.UTC) {
			out = append(out, m)
		}
	}
	i, _ := slices.BinarySearchFunc(out, start, time.Time.Compare)
	return out[i:]
}

func histSameUTCDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// summary counts the identity's events up to now and before the instant
// before, per month or day as seen in loc: one metric per period with
// events, named by the period's first instant, in time order.
func (tl *histTimeline) summary(before, now time.Time, interval string, loc *time.Location) []histMetricJSON {
	var out []histMetricJSON
	var last time.Time
	for _, e := range tl.eventsUntil(now) {
		if !e.at.Before(before) {
			break
		}
		l := e.at.In(loc)
		day := l.Day()
		if interval != histIntervalDay {
			day = 1
		}
		period := time.Date(l.Year(), l.Month(), day, 0, 0, 0, 0, loc)
		if n := len(out); n > 0 && period.Equal(last) {
			out[n-1].Value++
			continue
		}
		last = period
		out = append(out, histMetricJSON{Name: period.Format("2006-01-02T15:04:05.000Z07:00"), Value: 1})
	}
	return out
}

// histCompare counts, per access-item type, the items held at s2 but not
// at s1 (added) and at s1 but not at s2 (removed).
func histCompare(s1, s2 histState) [histKinds]histDiffCountJSON {
	var out [histKinds]histDiffCountJSON
	added, removed := histDiff(s1, s2)
	for _, h := range added {
		out[h.kind].AccessAdded++
	}
	for _, h := range removed {
		out[h.kind].AccessRemoved++
	}
	return out
}
