package isc

import (
	"math"
	"net/url"
	"strconv"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// MaxLimit is the largest page the tenant serves.
const MaxLimit = op.MaxPageSize

// MaxOffset is the largest offset the spec allows: every list operation
// types offset as an int32.
const MaxOffset = math.MaxInt32

// Paging is SailPoint's standard collection paging.
type Paging struct {
	// Limit is the page size, 1..MaxLimit; 0 leaves it to the tenant,
	// whose default is MaxLimit.
	Limit int
	// Offset is how many matching items to skip, 0..MaxOffset.
	Offset int
	// Count asks for the total (X-Total-Count). Counting costs the tenant
	// work, so ask only when the total will be used.
	Count bool
}

// Validate checks the paging against the spec's bounds.
func (p Paging) Validate() error {
	if p.Limit < 0 || p.Limit > MaxLimit {
		return Invalid("limit", "must be from 0 to %d, got %d", MaxLimit, p.Limit)
	}
	if p.Offset < 0 || p.Offset > MaxOffset {
		return Invalid("offset", "must be from 0 to %d, got %d", MaxOffset, p.Offset)
	}
	return nil
}

// Apply validates p and sets limit, offset and count on q, leaving out
// whatever is the tenant's default.
func (p Paging) Apply(q url.Values) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Count {
		q.Set("count", "true")
	}
	return nil
}
