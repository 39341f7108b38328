// Package history is the typed client of ISC's identity-history operations
// (beta): identities and their snapshots, access items, events, snapshot
// summaries and comparisons.
//
// Access items and events are polymorphic upstream; here each kind is its
// own Go type behind the AccessItem and Event interfaces, and AccessType is
// one enum whatever the operation's spelling. Dates are time.Time. Values
// the tenant may leave out are nil pointers for dates and booleans, and ""
// or 0 for strings and numbers.
package history

import (
	"net/http"

	"github.com/sailgraph/sailgraph/upstream/isc"
)

// Client calls one tenant's identity-history operations. It is safe for
// concurrent use.
type Client struct {
	c *isc.Client
}

// New returns a Client for the tenant at root (e.g.
// https://acme.api.identitynow.com), sending through hc.
func New(root string, hc *http.Client, opts ...isc.Option) (*Client, error) {
	c, err := isc.New(root, hc, opts...)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}
