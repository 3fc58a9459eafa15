package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// run executes the CLI in-process with args and returns its output.
func run(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	cmd := rootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func TestMigrateCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	out, err := run(t, context.Background(), "migrate", "--db", "sqlite://"+db)
	if err != nil || !strings.Contains(out, "applied migrations [1") {
		t.Fatalf("first migrate: %q %v", out, err)
	}
	out, err = run(t, context.Background(), "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q %v", out, err)
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("AFTERMATH_DB", db)
	if _, err := run(t, context.Background(), "migrate"); err != nil {
		t.Fatal(err)
	}
	applied, err := store.Migrate(context.Background(), db)
	if err != nil || len(applied) != 0 {
		t.Fatalf("AFTERMATH_DB was not used: applied %v, %v", applied, err)
	}
	t.Setenv("AFTERMATH_LOG_LEVEL", "loud")
	if _, err := run(t, context.Background(), "serve"); err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Fatalf("a bad AFTERMATH_LOG_LEVEL was accepted: %v", err)
	}
}

func TestSeedIsReproducible(t *testing.T) {
	dir := t.TempDir()
	seedInto := func(name, randSeed string) []incident.Incident {
		db := filepath.Join(dir, name)
		out, err := run(t, context.Background(), "seed", "--synthetic", "150", "--rand-seed", randSeed, "--anchor", "2026-01-01", "--db", db)
		if err != nil || !strings.Contains(out, "wrote 150 incidents") {
			t.Fatalf("seed: %q %v", out, err)
		}
		s, err := store.Open(context.Background(), db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		page, err := s.ListIncidents(context.Background(), incident.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 150 {
			t.Fatalf("%d incidents", page.Total)
		}
		for i := range page.Items { // bookkeeping differs between runs
			page.Items[i].CreatedAt, page.Items[i].UpdatedAt = time.Time{}, time.Time{}
		}
		return page.Items
	}
	a, b, c := seedInto("a.db", "9"), seedInto("b.db", "9"), seedInto("c.db", "10")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	jc, _ := json.Marshal(c)
	if !bytes.Equal(ja, jb) {
		t.Fatal("the same seed gave different incidents")
	}
	if bytes.Equal(ja, jc) {
		t.Fatal("different seeds gave the same incidents")
	}
	if _, err := run(t, context.Background(), "seed", "--db", filepath.Join(dir, "d.db")); err == nil {
		t.Fatal("seed without --synthetic succeeded")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServeDemoThenShutDown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve", "--demo", "--db", db, "--addr", addr, "--log-level", "warn")
		done <- err
	}()
	base := "http://" + addr
	waitReady(t, base)
	// Without credentials the API answers 401; with a token of the admin
	// that serve made, it answers.
	if resp, err := http.Get(base + "/api/v1/incidents?limit=1"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %v %v", resp.StatusCode, err)
	}
	var page incident.Page
	req, _ := http.NewRequest("GET", base+"/api/v1/incidents?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+createToken(t, db, "admin"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if page.Total != demoSynthetic+1 || page.Items[0].Service != "Linktree" {
		t.Fatalf("demo data: total %d, newest %q", page.Total, page.Items[0].Service)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	// --demo on a database that has incidents adds nothing.
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := loadDemo(context.Background(), s); n != 0 || err != nil {
		t.Fatal(fmt.Sprint("demo reloaded: ", n, err))
	}
	// The demo's catalogue has failure modes, and incidents link them: the
	// Linktree outage the modes that materialised, synthetic ones their
	// service's.
	linktree, err := s.GetIncident(context.Background(), page.Items[0].ID)
	if err != nil || !slices.Equal(linktree.FailureModes, examples.LinktreeFailureModes) {
		t.Fatalf("the Linktree incident links %v (%v)", linktree.FailureModes, err)
	}
	rep, err := report.Build(context.Background(), s, report.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if fm := rep.FailureModes; len(fm.Materialised) < 10 || len(fm.Unmitigated) == 0 || fm.Uncatalogued == 0 {
		t.Fatalf("the demo's failure modes: %d materialised, %d unmitigated, %d uncatalogued", len(fm.Materialised), len(fm.Unmitigated), fm.Uncatalogued)
	}
}

// createToken makes an API token for user with the CLI and returns it.
func createToken(t *testing.T, db, user string) string {
	t.Helper()
	out, err := run(t, context.Background(), "token", "create", user, "--label", "test", "--db", db)
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	for line := range strings.SplitSeq(out, "\n") {
		if token, ok := strings.CutPrefix(line, "token: "); ok {
			return token
		}
	}
	t.Fatalf("token create printed no token:\n%s", out)
	return ""
}

func TestImportAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ie.db")
	ctx := context.Background()
	if _, err := run(t, ctx, "seed", "--synthetic", "20", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, ctx, "export", "--db", db); err == nil {
		t.Fatal("export without ID or --out succeeded")
	}
	out := filepath.Join(dir, "out")
	if _, err := run(t, ctx, "export", "--db", db, "--out", out); err != nil {
		t.Fatal(err)
	}
	one, err := run(t, ctx, "export", "3", "--db", db)
	if err != nil || !strings.HasPrefix(one, "---\nid: 3\n") {
		t.Fatalf("export 3: %v\n%.200s", err, one)
	}
	if _, err := run(t, ctx, "export", "999", "--db", db); err == nil || !strings.Contains(describe(err), "does not exist") {
		t.Fatalf("export of a missing incident: %v", err)
	}

	// A bad file is named with its reason, the rest import, the exit is non-zero.
	bad := filepath.Join(out, "zz-bad.md")
	if err := os.WriteFile(bad, []byte("---\ntitle: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh.db")
	text, err := run(t, ctx, "import", "--db", fresh, out)
	if err == nil || !strings.Contains(text, "zz-bad.md: ") || !strings.Contains(text, "20 created") || !strings.Contains(text, "1 failed") {
		t.Fatalf("import: %v\n%s", err, text)
	}
}

// TestImportListsConflictsAndGoesOn: a file older than the stored
// incident is listed as a conflict with the current version, the other
// files import, and the command exits non-zero.
func TestImportListsConflictsAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	ctx := context.Background()
	if _, err := run(t, ctx, "seed", "--synthetic", "5", "--db", db); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := run(t, ctx, "export", "--db", db, "--out", out); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := s.GetIncident(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	inc.Title = "Edited after the export"
	if err := s.UpdateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(out, "*.md"))
	for _, f := range files { // every file edited by hand
		data, _ := os.ReadFile(f)
		end := 4 + strings.Index(string(data[4:]), "\n---\n") // the front matter's closing line
		os.WriteFile(f, []byte(string(data[:end])+"\nhand_edited: true"+string(data[end:])), 0o644)
	}
	text, err := run(t, ctx, "import", "--db", db, out)
	if err == nil || !strings.Contains(text, "4 updated") || !strings.Contains(text, "1 conflicts") ||
		!strings.Contains(text, "-2.md: conflict: ") || !strings.Contains(text, "it is at version 2") {
		t.Fatalf("import: %v\n%s", err, text)
	}
	for _, id := range []string{"+2", "02", "2.0", "0"} {
		if _, err := run(t, ctx, "export", id, "--db", db); err == nil {
			t.Errorf("export %s succeeded", id)
		}
	}
}

func TestReportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	ctx := context.Background()
	if _, err := run(t, ctx, "seed", "--synthetic", "60", "--db", db, "--anchor", "2026-06-01"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, ctx, "report", "--db", db, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Incidents  int `json:"incidents"`
		BySeverity []struct {
			Key   string `json:"key"`
			Count int    `json:"count"`
		} `json:"by_severity"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %.300s", err, out)
	}
	sum := 0
	for _, s := range rep.BySeverity {
		sum += s.Count
	}
	if rep.Incidents != 60 || sum != 60 {
		t.Fatalf("report counts %d incidents, %d by severity", rep.Incidents, sum)
	}
	md, err := run(t, ctx, "report", "--db", db, "--since", "2026-01-01")
	if err != nil || !strings.HasPrefix(md, "# ") || !strings.Contains(md, "|") {
		t.Fatalf("markdown report: %v\n%.300s", err, md)
	}
	if _, err := run(t, ctx, "report", "--db", db, "--format", "pdf"); err == nil {
		t.Fatal("--format pdf accepted")
	}
	if _, err := run(t, ctx, "report", "--db", db, "--since", "last week"); err == nil {
		t.Fatal("a bad --since accepted")
	}
}

// TestServeWithSingleSignOn configures single sign-on through the
// environment, as an operator would, against a real provider in the test,
// and signs in through it.
func TestServeWithSingleSignOn(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	addr := freeAddr(t)
	for k, v := range map[string]string{
		"AFTERMATH_OIDC_ISSUER": m.Issuer(), "AFTERMATH_OIDC_CLIENT_ID": m.ClientID,
		"AFTERMATH_OIDC_CLIENT_SECRET": m.ClientSecret, "AFTERMATH_OIDC_REDIRECT_URL": "http://" + addr + "/login/oidc/callback",
		"AFTERMATH_OIDC_ROLES": "engineering=responder,leads=admin",
	} {
		t.Setenv(k, v)
	}
	if _, err := run(t, context.Background(), "serve", "--db", filepath.Join(t.TempDir(), "bad.db"), "--oidc-roles", "engineering=owner"); err == nil ||
		!strings.Contains(err.Error(), "--oidc-roles") {
		t.Fatalf("a bad role mapping: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, "serve", "--db", filepath.Join(t.TempDir(), "sso.db"), "--addr", addr, "--log-level", "warn")
		done <- err
	}()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + addr
	waitReady(t, base)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(base + "/login/oidc?next=/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Name, Role, Source string }
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	// mockoidc's default user is jane.doe in the groups engineering and design.
	if resp.StatusCode != http.StatusOK || me.Name != "jane.doe" || me.Role != "responder" || me.Source != "oidc" {
		t.Fatalf("after the sign-in: %d %+v", resp.StatusCode, me)
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
