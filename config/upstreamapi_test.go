package config

import (
	"strings"
	"testing"

	"github.com/sailgraph/sailgraph/upstream/op"
)

func TestUpstreamAPIGrammar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [4]APIMode // history, tasks, reports, rolemining
		str  string
	}{
		{"", [4]APIMode{}, "auto"},
		{"auto", [4]APIMode{}, "auto"},
		{"v1", [4]APIMode{APIV1, APIV1, APIV1, APIV1}, "v1"},
		{" Legacy ", [4]APIMode{APILegacy, APILegacy, APILegacy, APILegacy}, "legacy"},
		{"history=v1,reports=legacy", [4]APIMode{APIV1, APIAuto, APILegacy, APIAuto}, "history=v1,tasks=auto,reports=legacy,rolemining=auto"},
		{"rolemining = v1 , tasks=legacy", [4]APIMode{APIAuto, APILegacy, APIAuto, APIV1}, "history=auto,tasks=legacy,reports=auto,rolemining=v1"},
		{"history=v1,tasks=v1,reports=v1,rolemining=v1", [4]APIMode{APIV1, APIV1, APIV1, APIV1}, "v1"},
	} {
		u, err := ParseUpstreamAPI(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		for i, f := range op.Families() {
			if u.Mode(f) != tc.want[i] {
				t.Errorf("%q: %s is %s, want %s", tc.in, f, u.Mode(f), tc.want[i])
			}
		}
		if u.String() != tc.str {
			t.Errorf("%q reads back as %q, want %q", tc.in, u.String(), tc.str)
		}
		again, err := ParseUpstreamAPI(u.String())
		if err != nil || again != u {
			t.Errorf("%q does not round-trip: %v %v", u.String(), again, err)
		}
	}
}

func TestUpstreamAPIRefusals(t *testing.T) {
	for in, says := range map[string]string{
		"v2":                      `unknown mode "v2"`,
		"history":                 `"history" is not family=mode`,
		"history=v2":              `unknown mode "v2" for history`,
		"identities=v1":           `unknown family "identities"`,
		"history=v1,history=auto": "named twice",
		"history=v1,":             `"" is not family=mode`,
		"v1,history=legacy":       `"v1" is not family=mode`,
	} {
		_, err := ParseUpstreamAPI(in)
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "families: history, tasks, reports, rolemining") {
			t.Errorf("%q: %v, want an error saying %s and the grammar", in, err, says)
		}
	}
	_, err := FromEnv(env(map[string]string{"SAILGRAPH_UPSTREAM_API": "history=v3"}))
	if err == nil || !strings.Contains(err.Error(), "SAILGRAPH_UPSTREAM_API") {
		t.Fatalf("a bad SAILGRAPH_UPSTREAM_API: %v", err)
	}
	c, err := FromEnv(env(nil))
	if err != nil || c.UpstreamAPI != (UpstreamAPI{}) || !c.UpstreamAPI.Auto() {
		t.Fatalf("default %v, %v: want auto everywhere", c.UpstreamAPI, err)
	}
	c, err = FromEnv(env(map[string]string{"SAILGRAPH_UPSTREAM_API": "tasks=v1"}))
	if err != nil || c.UpstreamAPI.Mode(op.Tasks) != APIV1 || c.UpstreamAPI.Mode(op.History) != APIAuto {
		t.Fatalf("tasks=v1: %v, %v", c.UpstreamAPI, err)
	}
	if g, ok := APIV1.Fixed(); !ok || g != op.V1 {
		t.Error("v1 is not fixed on V1")
	}
	if _, ok := APIAuto.Fixed(); ok {
		t.Error("auto is fixed")
	}
	if AllAPIs(APILegacy).Auto() {
		t.Error("legacy everywhere reports auto")
	}
}
