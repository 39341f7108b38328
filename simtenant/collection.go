package simtenant

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// apiError is an error answer in SailPoint's ErrorResponseDto shape.
type apiError struct {
	status     int
	detailCode string
	text       string
}

func (e *apiError) Error() string { return e.text }

func (e *apiError) write(w http.ResponseWriter) { writeError(w, e.status, e.detailCode, e.text) }

// badRequest is a 400 with the detail code ISC uses for invalid input.
func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, detailCode: "400.1 Bad Request Content", text: fmt.Sprintf(format, args...)}
}

// notFound is a 404 for an unknown object.
func notFound(kind, id string) *apiError {
	return &apiError{status: http.StatusNotFound, detailCode: "404 Not found", text: fmt.Sprintf("%s %q was not found.", kind, id)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, detailCode, text string) {
	writeJSON(w, status, errorResponse{
		DetailCode: detailCode,
		TrackingID: randomHex(16),
		Messages:   []errorMessage{{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: text}},
	})
}

type errorResponse struct {
	DetailCode string         `json:"detailCode"`
	TrackingID string         `json:"trackingId"`
	Messages   []errorMessage `json:"messages"`
}

type errorMessage struct {
	Locale       string `json:"locale"`
	LocaleOrigin string `json:"localeOrigin"`
	Text         string `json:"text"`
}

// page holds SailPoint's standard paging parameters.
type page struct {
	limit, offset int
	count         bool
}

const maxLimit = 250

// parsePage reads limit (0..250, default 250), offset (>= 0, default 0)
// and count (default false).
func parsePage(q url.Values) (page, *apiError) {
	p := page{limit: maxLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxLimit {
			return p, badRequest("limit must be an integer from 0 to %d, got %q", maxLimit, s)
		}
		p.limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, badRequest("offset must be a non-negative integer, got %q", s)
		}
		p.offset = n
	}
	b, err := parseBool(q, "count")
	if err != nil {
		return p, err
	}
	p.count = b != nil && *b
	return p, nil
}

// paginate returns the page of items and sets X-Total-Count when count
// was asked for. It never returns nil, so an empty page encodes as [].
func paginate[T any](w http.ResponseWriter, items []T, p page) []T {
	if p.count {
		w.Header().Set("X-Total-Count", strconv.Itoa(len(items)))
	}
	if p.offset >= len(items) {
		return []T{}
	}
	end := min(p.offset+p.limit, len(items))
	return items[p.offset:end]
}

// parseBool reads an optional boolean query parameter.
func parseBool(q url.Values, name string) (*bool, *apiError) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, badRequest("%s must be true or false, got %q", name, s)
	}
	return &b, nil
}

// parseTime reads an ISO 8601 / RFC 3339 instant as ISC accepts it
// (fractional seconds optional), or a plain date (midnight UTC).
func parseTime(name, s string) (time.Time, *apiError) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest("%s must be an ISO 8601 date-time such as 2024-03-01T13:00:00Z, got %q", name, s)
}

// formatTime writes an instant as ISC does: UTC with milliseconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// cond is one comparison of a filters expression. Expressions are a
// conjunction ("and") of conds.
type cond struct {
	field  string
	op     string // eq, in, isnull
	values []string
}

// filterSpec lists, per field, the operators an operation supports.
type filterSpec map[string][]string

// parseFilters parses SailPoint's filter grammar as far as the simulated
// operations use it: `field eq "v"`, `field eq true`, `field in ("a","b")`,
// `field isnull`, joined by `and`. Any other field or operator, and any
// syntax error, is a 400 that names what was wrong.
func parseFilters(s string, spec filterSpec) ([]cond, *apiError) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	lx := &lexer{src: s}
	var out []cond
	for {
		field := lx.word()
		if field == "" {
			return nil, badRequest("invalid filters %q: expected a field name at position %d", s, lx.pos)
		}
		op := strings.ToLower(lx.word())
		allowed, known := spec[field]
		if !known {
			return nil, badRequest("invalid filters %q: filtering is not supported on field %q (supported: %s)", s, field, strings.Join(sortedKeys(spec), ", "))
		}
		if !slices.Contains(allowed, op) {
			return nil, badRequest("invalid filters %q: operator %q is not supported for field %q (supported: %s)", s, op, field, strings.Join(allowed, ", "))
		}
		c := cond{field: field, op: op}
		switch op {
		case "eq":
			v, ok := lx.value()
			if !ok {
				return nil, badRequest("invalid filters %q: expected a value after %s eq", s, field)
			}
			c.values = []string{v}
		case "in":
			vs, ok := lx.list()
			if !ok || len(vs) == 0 {
				return nil, badRequest("invalid filters %q: expected a list such as (\"a\",\"b\") after %s in", s, field)
			}
			c.values = vs
		case "isnull":
		}
		out = append(out, c)
		lx.skipSpace()
		if lx.done() {
			return out, nil
		}
		if w := strings.ToLower(lx.word()); w != "and" {
			return nil, badRequest("invalid filters %q: expected 'and' at position %d, found %q (only 'and' is supported)", s, lx.pos, w)
		}
	}
}

func sortedKeys(m filterSpec) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) done() bool { return l.pos >= len(l.src) }

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) && l.src[l.pos] == ' ' {
		l.pos++
	}
}

// word reads a bare word: letters, digits, '.', '_' and '-'.
func (l *lexer) word() string {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.src) {
		r := rune(l.src[l.pos])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			break
		}
		l.pos++
	}
	return l.src[start:l.pos]
}

// value reads a quoted string (with \" and \\ escapes) or a bare word.
func (l *lexer) value() (string, bool) {
	l.skipSpace()
	if l.done() {
		return "", false
	}
	if l.src[l.pos] != '"' {
		w := l.word()
		return w, w != ""
	}
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\\' && l.pos+1 < len(l.src):
			b.WriteByte(l.src[l.pos+1])
			l.pos += 2
		case c == '"':
			l.pos++
			return b.String(), true
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", false
}

// list reads ("a", "b", ...).
func (l *lexer) list() ([]string, bool) {
	l.skipSpace()
	if l.done() || l.src[l.pos] != '(' {
		return nil, false
	}
	l.pos++
	var out []string
	for {
		v, ok := l.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		l.skipSpace()
		if l.done() {
			return nil, false
		}
		switch l.src[l.pos] {
		case ',':
			l.pos++
		case ')':
			l.pos++
			return out, true
		default:
			return nil, false
		}
	}
}

// sorter is one sort key; desc when written with a leading '-'.
type sorter struct {
	field string
	desc  bool
}

// parseSorters parses a comma list such as "-created,name" against the
// fields an operation supports; anything else is a 400.
func parseSorters(s string, allowed ...string) ([]sorter, *apiError) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []sorter
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		so := sorter{field: part}
		if rest, ok := strings.CutPrefix(part, "-"); ok {
			so = sorter{field: rest, desc: true}
		}
		if !slices.Contains(allowed, so.field) {
			return nil, badRequest("invalid sorters %q: sorting is not supported on %q (supported: %s)", s, so.field, strings.Join(allowed, ", "))
		}
		out = append(out, so)
	}
	return out, nil
}

// compareBy builds a comparison function for slices.SortStableFunc from
// sorters and a per-field comparison.
func compareBy[T any](sorters []sorter, cmpField func(a, b T, field string) int) func(a, b T) int {
	return func(a, b T) int {
		for _, s := range sorters {
			c := cmpField(a, b, s.field)
			if s.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
}
