package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testHealthcheck runs the Dockerfile's own HEALTHCHECK command against a
// live server (healthy) and a closed port (unhealthy, quickly). A shell
// form runs under /bin/sh, which on Debian images is dash.
func testHealthcheck(t *testing.T, bin string) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HEALTHCHECK .*?CMD (.+)$`).FindSubmatch(dockerfile)
	if m == nil {
		t.Fatal("the Dockerfile has no HEALTHCHECK ... CMD line")
	}
	var argv []string
	if err := json.Unmarshal(m[1], &argv); err != nil {
		argv = []string{"/bin/sh", "-c", string(m[1])} // the shell form
	}
	// The image has the binary on PATH as "aftermath".
	binDir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(binDir, "aftermath")); err != nil {
		t.Fatal(err)
	}
	check := func(addr string) (string, error) {
		name := argv[0]
		if name == "aftermath" {
			name = filepath.Join(binDir, name)
		}
		cmd := exec.Command(name, argv[1:]...)
		cmd.Env = append(os.Environ(), "PATH="+binDir+":/usr/bin:/bin", "AFTERMATH_ADDR="+addr)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	srv := startServer(t, bin, filepath.Join(t.TempDir(), "h.db"))
	if out, err := check(srv.addr); err != nil {
		t.Fatalf("HEALTHCHECK %s against a live server: %v\n%s", m[1], err, out)
	}
	closed := freeAddr(t)
	start := time.Now()
	if out, err := check(closed); err == nil {
		t.Fatalf("HEALTHCHECK against a closed port passed:\n%s", out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("an unhealthy check took %v", took)
	}
}

// testProgressOnATerminal runs an import under a pseudo-terminal (util-linux
// script), where it shows its progress, and through a pipe, where it
// does not.
func testProgressOnATerminal(t *testing.T, bin string) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatalf("AFTERMATH_PROCESS_TESTS=1 but script (util-linux) is missing: %v", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	if out, err := exec.Command(bin, "seed", "--synthetic", "3000", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "out")
	if out, err := exec.Command(bin, "export", "--out", out, "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	fresh := filepath.Join(dir, "fresh.db")
	shell := strings.Join([]string{bin, "import", out, "--db", fresh}, " ")
	tty, err := exec.Command("script", "-qfec", shell, "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("import on a terminal: %v\n%s", err, tty)
	}
	if !strings.Contains(string(tty), "importing") || !strings.Contains(string(tty), "files") || !strings.Contains(string(tty), "3000 created") {
		t.Fatalf("no progress on a terminal:\n%q", tty)
	}
	piped, err := exec.Command(bin, "import", out, "--db", filepath.Join(dir, "piped.db")).CombinedOutput()
	if err != nil || strings.Contains(string(piped), "importing") || strings.ContainsAny(string(piped), "\r\x1b") {
		t.Fatalf("progress through a pipe: %v\n%q", err, piped)
	}
}
