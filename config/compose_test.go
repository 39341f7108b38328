package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// docker-compose.yml cannot be run on the project's machines (no Docker
// engine), so this keeps it honest: every SAILGRAPH_ variable it sets is
// one the gateway reads, and its default environment is a valid
// configuration.
func TestComposeEnvironmentIsValid(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	envs := compose.Services["gateway"].Environment
	if len(envs) == 0 {
		t.Fatal("no gateway service environment in docker-compose.yml")
	}
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	// ${NAME:-default} takes its default, as compose does with NAME unset.
	subst := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)
	values := map[string]string{}
	for k, v := range envs {
		if strings.HasPrefix(k, "SAILGRAPH_") && !strings.Contains(string(src), `"`+k+`"`) {
			t.Errorf("docker-compose.yml sets %s, which the gateway does not read", k)
		}
		values[k] = subst.ReplaceAllString(v, "$1")
	}
	c, err := FromEnv(func(k string) string { return values[k] })
	if err != nil {
		t.Fatalf("compose's default environment: %v", err)
	}
	if c.RedisURL == "" || !c.Simulated() {
		t.Fatalf("compose's default: want the simulated tenant with Redis, got %+v", c)
	}
}
