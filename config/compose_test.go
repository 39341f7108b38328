package config

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// composeService is what the tests read of a docker-compose.yml service.
type composeService struct {
	Build       any               `yaml:"build"`
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []composeVolume   `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Ports   []string `yaml:"ports"`
	Restart string   `yaml:"restart"`
}

// composeVolume is a volume in compose's long syntax.
type composeVolume struct {
	Type     string `yaml:"type"`
	Source   string `yaml:"source"`
	Target   string `yaml:"target"`
	ReadOnly bool   `yaml:"read_only"`
}

// interpolation is compose's ${NAME}, ${NAME:-default} and
// ${NAME:+replacement}.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\+)([^}]*))?\}`)

// loadCompose reads docker-compose.yml as compose would with the host
// environment env: variables interpolated, anchors and merge keys resolved.
func loadCompose(t *testing.T, env map[string]string) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	text := interpolation.ReplaceAllStringFunc(string(raw), func(m string) string {
		p := interpolation.FindStringSubmatch(m)
		v := env[p[1]]
		switch p[2] {
		case ":-":
			if v == "" {
				return p[3]
			}
		case ":+":
			if v != "" {
				return p[3]
			}
			return ""
		}
		return v
	})
	var compose struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(text), &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return compose.Services
}

// docker-compose.yml cannot be run on the project's machines (no Docker
// engine), so this keeps it honest: every SAILGRAPH_ variable it sets is
// one the gateway reads; its default environment is a valid configuration
// on the simulated tenant; a keys file given on the host reaches the
// gateway at the path its variable names; a configuration that cannot
// start is stopped by the check service before the gateway restarts in a
// loop; the gateway's health check asks its readiness, and Redis has one.
func TestCompose(t *testing.T) {
	known := map[string]bool{}
	for _, v := range Variables() {
		known[v.Name] = true
	}

	// Nothing set: the simulated tenant, with Redis, without keys.
	services := loadCompose(t, nil)
	gw, check, redis := services["gateway"], services["check"], services["redis"]
	if len(gw.Environment) == 0 {
		t.Fatal("no gateway service environment in docker-compose.yml")
	}
	for k := range gw.Environment {
		if strings.HasPrefix(k, "SAILGRAPH_") && !known[k] {
			t.Errorf("docker-compose.yml sets %s, which the gateway does not read", k)
		}
	}
	c, err := FromEnv(func(k string) string { return gw.Environment[k] })
	if err != nil {
		t.Fatalf("compose's default environment: %v", err)
	}
	if c.RedisURL == "" || !c.Simulated() || c.APIKeysFile != "" {
		t.Fatalf("compose's default: want the simulated tenant with Redis and no keys file, got %+v", c)
	}

	// A real tenant with a keys file on the host: the file is mounted
	// read-only where SAILGRAPH_API_KEYS_FILE points inside the container.
	services = loadCompose(t, map[string]string{
		"SAILGRAPH_TENANT_URL": "https://acme.api.identitynow.com", "SAILGRAPH_CLIENT_ID": "id",
		"SAILGRAPH_CLIENT_SECRET": "secret", "SAILGRAPH_API_KEYS_FILE": "./keys.jsonl",
	})
	for _, name := range []string{"gateway", "check"} {
		s := services[name]
		c, err := FromEnv(func(k string) string { return s.Environment[k] })
		if err != nil || c.Simulated() {
			t.Fatalf("%s with a real tenant: %+v, %v", name, c, err)
		}
		mounted := slices.ContainsFunc(s.Volumes, func(v composeVolume) bool {
			return v.Type == "bind" && v.Source == "./keys.jsonl" && v.Target == c.APIKeysFile && v.ReadOnly
		})
		if c.APIKeysFile == "" || !mounted {
			t.Errorf("%s: SAILGRAPH_API_KEYS_FILE=%q, volumes %+v: the host's keys file is not mounted read-only there", name, c.APIKeysFile, s.Volumes)
		}
	}

	// The check service builds the gateway from the same configuration
	// once; the gateway starts only when it succeeded.
	if !slices.Equal(check.Command, []string{"check"}) || check.Restart != "no" {
		t.Errorf("check service: command %v, restart %q; want [check] and no", check.Command, check.Restart)
	}
	if check.Image != gw.Image || check.Image == "" || check.Build == nil {
		t.Errorf("check runs image %q, the gateway %q", check.Image, gw.Image)
	}
	if !maps.Equal(check.Environment, gw.Environment) {
		t.Error("the check service's environment is not the gateway's")
	}
	if gw.DependsOn["check"].Condition != "service_completed_successfully" || gw.DependsOn["redis"].Condition != "service_healthy" {
		t.Errorf("gateway depends_on %+v: want check completed and redis healthy", gw.DependsOn)
	}
	if gw.Restart != "unless-stopped" {
		t.Errorf("gateway restart %q", gw.Restart)
	}

	// Health: the gateway's own binary asks /readyz (the image has no
	// curl; main's TestHealthcheckCommand checks what it asks); Redis
	// answers PING.
	if !slices.Equal(gw.Healthcheck.Test, []string{"CMD", "/sailgraph", "healthcheck"}) {
		t.Errorf("gateway healthcheck %v", gw.Healthcheck.Test)
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil || !strings.Contains(string(dockerfile), `ENTRYPOINT ["/sailgraph"]`) {
		t.Errorf("the image's binary is not /sailgraph (%v)", err)
	}
	if !slices.Contains(redis.Healthcheck.Test, "ping") {
		t.Errorf("redis healthcheck %v", redis.Healthcheck.Test)
	}
	for _, p := range gw.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("gateway port %q is published beyond the host's loopback", p)
		}
	}
}
