package ops

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/sailgraph/sailgraph/upstream/op"
)

// Label values outside the known sets.
const (
	labelOther     = "other"     // an API version, method or status outside the known set
	labelUnknown   = "unknown"   // an upstream path the route table does not know
	labelNone      = "none"      // no operation (store-wide cache events) or no response
	labelAnonymous = "anonymous" // a GraphQL operation without a name
	labelInvalid   = "invalid"   // a GraphQL operation name that is not a GraphQL Name
	labelUnmatched = "unmatched" // an HTTP request no route matched
)

// maxOperationNameLen bounds a GraphQL operation name kept as a label.
const maxOperationNameLen = 64

// labeler maps raw values onto bounded label sets.
type labeler struct {
	operations map[string]bool // op.Names()
	apis       map[string]bool // op.APIs()
}

func newLabeler() labeler {
	l := labeler{operations: map[string]bool{}, apis: map[string]bool{}}
	for _, name := range op.Names() {
		l.operations[name] = true
	}
	l.operations["graphql"] = true // the result cache's events
	for _, api := range op.APIs() {
		l.apis[string(api)] = true
	}
	return l
}

func (l labeler) api(api string) string {
	if l.apis[api] {
		return api
	}
	return labelOther
}

func (l labeler) operation(name string) string {
	switch {
	case name == "":
		return labelNone
	case l.operations[name]:
		return name
	}
	return labelUnknown
}

// status is an HTTP status code, "none" when no response came.
func status(code int) string {
	switch {
	case code == 0:
		return labelNone
	case code < 100 || code > 599:
		return labelOther
	}
	return strconv.Itoa(code)
}

// retryReason is an HTTP status or "connection".
func retryReason(reason string) string {
	if reason == "connection" {
		return reason
	}
	if n, err := strconv.Atoi(reason); err == nil && n >= 100 && n <= 599 {
		return reason
	}
	return labelOther
}

func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return labelOther
}

// operationName is a GraphQL operation name fit for a log line: the name,
// "anonymous", or "invalid" for something that is not a GraphQL Name of
// at most 64 characters.
func operationName(name string) string {
	if name == "" {
		return labelAnonymous
	}
	if len(name) > maxOperationNameLen {
		return labelInvalid
	}
	for i := 0; i < len(name); i++ {
		switch ch := name[i]; {
		case ch == '_', 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z':
		case '0' <= ch && ch <= '9' && i > 0:
		default:
			return labelInvalid
		}
	}
	return name
}

// nameSet admits the first max distinct operation names as label values;
// later ones are "other", so that clients cannot grow the series count
// without bound.
type nameSet struct {
	max int

	mu    sync.RWMutex
	names map[string]struct{}
}

func newNameSet(max int) *nameSet {
	return &nameSet{max: max, names: make(map[string]struct{}, max)}
}

// label returns name if it is one of the fixed values (anonymous,
// invalid) or is, or can become, one of the admitted names.
func (s *nameSet) label(name string) string {
	if name == labelAnonymous || name == labelInvalid {
		return name
	}
	s.mu.RLock()
	_, ok := s.names[name]
	s.mu.RUnlock()
	if ok {
		return name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[name]; ok {
		return name
	}
	if len(s.names) >= s.max {
		return labelOther
	}
	s.names[name] = struct{}{}
	return name
}
