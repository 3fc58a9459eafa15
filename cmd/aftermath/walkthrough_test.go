package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkthroughScript runs examples/walkthrough.sh, the README's curl
// walk-through, against a real server, so the documentation cannot rot.
func TestWalkthroughScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("AFTERMATH_PROCESS_TESTS") != "" {
				t.Fatalf("AFTERMATH_PROCESS_TESTS is set but %s is missing", tool)
			}
			t.Skipf("%s is not installed; .ci/run sets AFTERMATH_PROCESS_TESTS and installs it", tool)
		}
	}
	addr := freeAddr(t)
	db := filepath.Join(t.TempDir(), "walk.db")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve", "--db", db, "--addr", addr, "--log-level", "error")
		done <- err
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitReady(t, "http://"+addr)
	// As the README says: make a token for the admin that serve made, and
	// hand it to the script.
	script := exec.Command("bash", "../../examples/walkthrough.sh", "http://"+addr)
	script.Env = append(os.Environ(), "AFTERMATH_TOKEN="+createToken(t, db, "admin"))
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough failed: %v\n%s", err, out)
	}
	// Each step's status, in order.
	var statuses []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "→ ") {
			statuses = append(statuses, strings.TrimPrefix(line, "→ "))
		}
	}
	want := []string{"401", "200", "201", "200", "200", "200", "409", "422", "201", "200", "200", "200", "200", "200"}
	if strings.Join(statuses, " ") != strings.Join(want, " ") {
		t.Fatalf("statuses %v, want %v\n%s", statuses, want, out)
	}
}
