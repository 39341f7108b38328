package simtenant

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// newHistHarness serves a 200-identity tenant on a fake clock with the
// rate limit off (these tests send far more than 100 requests per 10 s).
func newHistHarness(t *testing.T) (*harness, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	return newHarness(t, Options{Identities: 200, RateLimit: -1, Now: clock.Now}), clock
}

var histIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// histPath builds a path under /beta/historical-identities with a query.
func histPath(id, sub string, q url.Values) string {
	p := "/beta/historical-identities"
	if id != "" {
		p += "/" + id
	}
	p += sub
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// histGetAll pages through a list with limit 250 and returns every item.
func histGetAll[T any](h *harness, id, sub string, q url.Values) []T {
	h.t.Helper()
	var all []T
	for offset := 0; ; offset += 250 {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("limit", "250")
		qq.Set("offset", strconv.Itoa(offset))
		var page []T
		h.get(histPath(id, sub, qq), http.StatusOK, &page)
		all = append(all, page...)
		if len(page) < 250 {
			return all
		}
	}
}

// histPick returns the first identity (by name) that pred accepts, as
// seen at now, failing the test when there is none.
func histPick(t *testing.T, h *harness, what string, pred func(p *identity, tl *histTimeline) bool) *identity {
	t.Helper()
	for _, p := range h.tn.history.listIdentities() {
		if pred(p, h.tn.history.timeline(p)) {
			return p
		}
	}
	t.Fatalf("no identity in the data set is %s", what)
	return nil
}

// histTestItem is an access item of any of the five types.
type histTestItem struct {
	ID               string  `json:"id"`
	AccessType       string  `json:"accessType"`
	DisplayName      string  `json:"displayName"`
	SourceName       *string `json:"sourceName"`
	SourceID         string  `json:"sourceId"`
	NativeIdentity   string  `json:"nativeIdentity"`
	EntitlementCount int     `json:"entitlementCount"`
	Attribute        string  `json:"attribute"`
	Value            string  `json:"value"`
	Type             string  `json:"type"`
	Description      *string `json:"description"`
	Standalone       bool    `json:"standalone"`
	Privileged       bool    `json:"privileged"`
	CloudGoverned    bool    `json:"cloudGoverned"`
	Revocable        bool    `json:"revocable"`
	RemoveDate       *string `json:"removeDate"`
	AppRoleID        string  `json:"appRoleId"`
	AppRefs          []struct {
		CloudAppID string `json:"cloudAppId"`
	} `json:"appRefs"`
}

func (it histTestItem) source() string {
	if it.SourceName == nil {
		return ""
	}
	return *it.SourceName
}

// histTestEvent is an event of any of the six types.
type histTestEvent struct {
	EventType       string        `json:"eventType"`
	DateTime        string        `json:"dateTime"`
	IdentityID      string        `json:"identityId"`
	AccessItem      *histTestItem `json:"accessItem"`
	AccessItemType  string        `json:"accessItemType"`
	GovernanceEvent *struct {
		Name         string `json:"name"`
		Type         string `json:"type"`
		GovernanceID string `json:"governanceId"`
	} `json:"governanceEvent"`
	AttributeChanges []struct {
		Name          string `json:"name"`
		PreviousValue string `json:"previousValue"`
		NewValue      string `json:"newValue"`
	} `json:"attributeChanges"`
	AccessRequest *struct {
		RequesterID string `json:"requesterId"`
		Items       []struct {
			Operation      string `json:"operation"`
			AccessItemType string `json:"accessItemType"`
			Name           string `json:"name"`
			Decision       string `json:"decision"`
		} `json:"items"`
	} `json:"accessRequest"`
	CertificationID string `json:"certificationId"`
	Signer          *struct {
		ID string `json:"id"`
	} `json:"signer"`
	Account *struct {
		ID               string `json:"id"`
		EntitlementCount int    `json:"entitlementCount"`
	} `json:"account"`
	StatusChange *struct {
		PreviousStatus string `json:"previousStatus"`
		NewStatus      string `json:"newStatus"`
	} `json:"statusChange"`
}

func (e histTestEvent) at(t *testing.T) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, e.DateTime)
	if err != nil {
		t.Fatalf("event dateTime %q: %v", e.DateTime, err)
	}
	return at
}

// histIDs returns the ids of items, as a set.
func histIDs(items []histTestItem) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		out[it.ID] = true
	}
	return out
}

func histTotal(t *testing.T, hdr http.Header) int {
	t.Helper()
	n, err := strconv.Atoi(hdr.Get("X-Total-Count"))
	if err != nil {
		t.Fatalf("X-Total-Count = %q", hdr.Get("X-Total-Count"))
	}
	return n
}

// histRawStatus sends an unvalidated GET (for requests the spec itself
// rejects) and returns its status and body.
func histRawStatus(h *harness, path string) (int, string) {
	h.t.Helper()
	status, _, body := h.send(h.raw, http.MethodGet, path, "", "")
	return status, string(body)
}

func histFmt(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
