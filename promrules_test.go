package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReadmeShowsTheTestedAlertingRules: the README's Prometheus alerting
// rules are contrib/prometheus-rules.yml, the file the rule tests run
// against (issue 11, real parts).
func TestReadmeShowsTheTestedAlertingRules(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile("contrib/prometheus-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "```yaml\ngroups:\n")
	block, _, closed := strings.Cut(after, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```yaml block of alerting rules")
	}
	if got := "groups:\n" + block; got != string(rules) {
		t.Errorf("README.md's alerting rules differ from contrib/prometheus-rules.yml:\n%s\nwant:\n%s", got, rules)
	}
}

// TestAlertingRules runs promtool's unit tests of the alerting rules
// (contrib/prometheus-rules.test.yml) on series shaped like downtime's
// metrics. CI installs promtool (Debian's prometheus package).
func TestAlertingRules(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("promtool not installed (apt-get install -y --no-install-recommends prometheus)")
	}
	for _, args := range [][]string{
		{"check", "rules", "prometheus-rules.yml"},
		{"test", "rules", "prometheus-rules.test.yml"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "promtool", args...)
		cmd.Dir = "contrib"
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
