package jobs

import "time"

// Intervals is how often a job is polled.
//
// A poll that finds a change brings the interval back to First: a job that
// moves (an export going from QUEUED to IN_PROGRESS, a task's progress)
// tends to move again soon, and the final state is what subscribers wait
// for. A poll that finds nothing new stretches it by Growth, up to Max,
// so a long report costs a handful of calls a minute. While the tenant's
// budget has less than Busy of its headroom left, the wait is stretched
// by BusyFactor, up to BusyMax, leaving the budget to callers who cannot
// wait. The cache answers polls where it can (a running job is volatile
// data, fresh for 2 s), so polls closer than that cost nothing upstream.
type Intervals struct {
	First, Max       time.Duration
	Growth           float64
	Busy, BusyFactor float64
	BusyMax          time.Duration
}

// DefaultIntervals: 1 s, ×1.5 up to 10 s; ×2 up to 30 s under 20% of
// headroom.
func DefaultIntervals() Intervals {
	return Intervals{First: time.Second, Max: 10 * time.Second, Growth: 1.5, Busy: 0.2, BusyFactor: 2, BusyMax: 30 * time.Second}
}

func (iv Intervals) withDefaults() Intervals {
	d := DefaultIntervals()
	if iv.First <= 0 {
		iv.First = d.First
	}
	if iv.Max < iv.First {
		iv.Max = max(d.Max, iv.First)
	}
	if iv.Growth < 1 {
		iv.Growth = d.Growth
	}
	if iv.Busy <= 0 {
		iv.Busy = d.Busy
	}
	if iv.BusyFactor < 1 {
		iv.BusyFactor = d.BusyFactor
	}
	if iv.BusyMax < iv.Max {
		iv.BusyMax = max(d.BusyMax, iv.Max)
	}
	return iv
}

// Next is the base interval after a poll that waited base: First after a
// change, else base stretched by Growth, up to Max.
func (iv Intervals) Next(base time.Duration, changed bool) time.Duration {
	if changed || base <= 0 {
		return iv.First
	}
	return min(time.Duration(float64(base)*iv.Growth), iv.Max)
}

// Wait is how long to wait before the next poll with base, given the
// budget's headroom (1 when it is not known): base, or base stretched by
// BusyFactor up to BusyMax while the headroom is under Busy.
func (iv Intervals) Wait(base time.Duration, headroom float64) time.Duration {
	if headroom < iv.Busy {
		return min(time.Duration(float64(base)*iv.BusyFactor), iv.BusyMax)
	}
	return base
}
