package simtenant

import (
	"slices"
	"time"
)

// histTimeline is one identity's history: what it was granted when, how
// its attributes changed, and the events that record both. It is read only
// once made.
type histTimeline struct {
	p           *identity
	accounts    map[*histSource]*histAccount // its (potential) account on every source
	grants      []*histGrant
	attrs0      map[string]string // attributes at the start date
	attrChanges []histAttrChange  // in time order
	events      []histEvent       // in time order
}

// histAttrChange is one attribute changing value at an instant.
type histAttrChange struct {
	at             time.Time
	name, old, new string
}

// attributesAt returns the identity's attributes at t.
func (tl *histTimeline) attributesAt(t time.Time) map[string]any {
	out := make(map[string]any, len(tl.attrs0))
	for k, v := range tl.attrs0 {
		out[k] = v
	}
	for _, c := range tl.attrChanges {
		if c.at.After(t) {
			break
		}
		out[c.name] = c.new
	}
	return out
}

// eventsUntil returns the events at or before t, in time order.
func (tl *histTimeline) eventsUntil(t time.Time) []histEvent {
	n, _ := slices.BinarySearchFunc(tl.events, t, func(e histEvent, t time.Time) int {
		if e.at.After(t) {
			return 1
		}
		return -1
	})
	return tl.events[:n]
}
