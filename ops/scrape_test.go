package ops_test

import (
	"strconv"
	"strings"
	"testing"
)

// sample finds the sample of metric name whose labels include all of
// labels ("k", "v" pairs) in an exposition, and returns its value.
func sample(t *testing.T, exposition, name string, labels ...string) (float64, bool) {
	t.Helper()
	for line := range strings.Lines(exposition) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		var lbls string
		switch {
		case strings.HasPrefix(rest, "{"):
			end := strings.Index(rest, "}")
			lbls, rest = rest[1:end], rest[end+1:]
		case strings.HasPrefix(rest, " "):
		default:
			continue // a longer metric name
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(","+lbls+",", ","+labels[i]+`="`+labels[i+1]+`",`) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		return v, true
	}
	return 0, false
}

// wantSample fails the test unless the sample exists and is at least min.
func wantSample(t *testing.T, exposition string, min float64, name string, labels ...string) {
	t.Helper()
	v, ok := sample(t, exposition, name, labels...)
	if !ok {
		t.Errorf("no sample %s%v", name, labels)
		return
	}
	if v < min {
		t.Errorf("%s%v = %v, want at least %v", name, labels, v, min)
	}
}
