package catalog_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

func parseFile(t *testing.T, name string) *incident.Catalog {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "backstage", name))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cat
}

// want is what a test expects of one service; nil lists mean empty.
type want struct {
	name                                          string
	kind, typ, owner, lifecycle, system, describe string
	tags                                          []string
	annotations                                   map[string]string
	dependsOn                                     []string
}

func check(t *testing.T, cat *incident.Catalog, services []want) {
	t.Helper()
	if len(cat.Services) != len(services) {
		var names []string
		for _, s := range cat.Services {
			names = append(names, s.Name)
		}
		t.Fatalf("services %v, want %d", names, len(services))
	}
	for i, w := range services {
		s := cat.Services[i]
		got := want{name: s.Name, kind: s.Kind, typ: s.Type, owner: s.Owner, lifecycle: s.Lifecycle,
			system: s.System, describe: s.Description, tags: s.Tags, dependsOn: s.DependsOn}
		if len(s.Annotations) > 0 {
			got.annotations = map[string]string{}
			for _, a := range s.Annotations {
				got.annotations[a.Key] = a.Value
			}
		}
		if len(got.tags) == 0 {
			got.tags = nil
		}
		if len(got.dependsOn) == 0 {
			got.dependsOn = nil
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("service %d:\n got  %+v\n want %+v", i, got, w)
		}
	}
}

// TestBackstageMonorepo reads a catalog-info.yaml with every kind in it,
// references in each of their spellings, and fields Backstage has that
// Aftermath does not keep.
func TestBackstageMonorepo(t *testing.T) {
	cat := parseFile(t, "payments-monorepo.yaml")
	check(t, cat, []want{
		{name: "Payments API", kind: "component", typ: "service", owner: "payments-team", lifecycle: "production",
			system: "payments", describe: "Takes card payments and refunds for every storefront.\nOwns the ledger writes.\n",
			tags: []string{"java", "payments"},
			annotations: map[string]string{"github.com/project-slug": "acme/payments", "backstage.io/techdocs-ref": "dir:.",
				"pagerduty.com/integration-key": "0f3c2a", "prometheus.io/scrape": "true", "acme.com/tier": "1"},
			dependsOn: []string{"payments-db", "fraud-check", "ledger-queue", "ledger"}},
		{name: "fraud-check", kind: "component", typ: "service", owner: "user:jdoe", lifecycle: "experimental",
			system: "payments", describe: "Scores every payment for fraud."},
		{name: "payments-db", kind: "resource", typ: "database", owner: "db-team", system: "payments",
			describe: "PostgreSQL cluster for payments."},
		// Named only by payments-db's dependencyOf: they depend on it.
		{name: "ledger", dependsOn: []string{"payments-db"}},
		{name: "refund-worker", dependsOn: []string{"payments-db"}},
		{name: "ledger-queue", kind: "resource", typ: "queue", owner: "payments-team"},
	})
	for _, note := range []string{"Domain commerce", "API payments-rest", "Group payments-team", "User jdoe", "api:fraud-scores names a api"} {
		if !strings.Contains(strings.Join(cat.Notes, "\n"), note) {
			t.Errorf("no note on %q in %q", note, cat.Notes)
		}
	}
	// Annotations are kept sorted by key, so the same file always reads
	// the same way.
	keys := []string{}
	for _, a := range cat.Services[0].Annotations {
		keys = append(keys, a.Key)
	}
	if strings.Join(keys, " ") != "acme.com/tier backstage.io/techdocs-ref github.com/project-slug pagerduty.com/integration-key prometheus.io/scrape" {
		t.Errorf("annotation order %v", keys)
	}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestBackstageFilesTogether merges what two repositories say: the ledger
// that the monorepo names as a dependency is described in its own file,
// in another namespace, with four-space indents and no final newline.
func TestBackstageFilesTogether(t *testing.T) {
	other := parseFile(t, "ledger-other-namespace.yaml")
	check(t, other, []want{{name: "Ledger", kind: "component", typ: "service", owner: "finance/ledger-team",
		lifecycle: "production", dependsOn: []string{"payments-db"}}})
	if len(other.Notes) != 1 || !strings.Contains(other.Notes[0], "finance/ledger is service ledger") {
		t.Errorf("notes %q", other.Notes)
	}
	merged := catalog.Merge(parseFile(t, "payments-monorepo.yaml"), other)
	ledger := merged.Services[3]
	if ledger.Name != "Ledger" || ledger.Kind != "component" || !reflect.DeepEqual(ledger.DependsOn, []string{"payments-db"}) {
		t.Errorf("merged ledger: %+v", ledger)
	}
	if len(merged.Services) != 6 {
		t.Errorf("%d services after the merge", len(merged.Services))
	}
}

func TestBackstageKindsThatAreNotServices(t *testing.T) {
	for _, name := range []string{"all.yaml", "template.yaml"} {
		cat := parseFile(t, name)
		if len(cat.Services) != 0 || len(cat.Notes) != 1 {
			t.Errorf("%s: services %v, notes %q", name, cat.Services, cat.Notes)
		}
	}
}

func TestBackstageRefusals(t *testing.T) {
	entity := "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
	for name, tc := range map[string]struct{ file, want string }{
		"not YAML":         {"kind: [unclosed\n", "document 1"},
		"no kind":          {"metadata:\n  name: x\n", "apiVersion and kind are required"},
		"no name":          {entity + "metadata:\n  title: X\n", "has no metadata.name"},
		"dependsOn text":   {entity + "metadata: {name: a}\nspec:\n  dependsOn: resource:b\n", "document 1: line 5"},
		"empty kind ref":   {entity + "metadata: {name: a}\nspec:\n  dependsOn: [':b']\n", "spec.dependsOn[0]"},
		"ref with slashes": {entity + "metadata: {name: a}\nspec:\n  owner: a/b/c\n", "spec.owner"},
		"second doc bad":   {entity + "metadata: {name: a}\n---\n" + entity + "metadata: {name: [b]}\n", "document 2"},
		"name of symbols":  {entity + "metadata: {name: '--'}\n", "no letter or digit"},
		"only separators":  {"---\n---\n", ""},
		"empty":            {"", "the file is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			cat, err := catalog.Parse([]byte(tc.file))
			if tc.want == "" {
				if err != nil || len(cat.Services) != 0 {
					t.Fatalf("%v %v", cat, err)
				}
				return
			}
			if err == nil || incident.ErrorCode(err) != incident.EMALFORMED || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a malformed-file error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseEntityRef(t *testing.T) {
	for ref, want := range map[string]catalog.EntityRef{
		"resource:payments-db":          {Kind: "resource", Namespace: "default", Name: "payments-db"},
		"component:default/fraud-check": {Kind: "component", Namespace: "default", Name: "fraud-check"},
		"Component:Finance/Ledger":      {Kind: "component", Namespace: "Finance", Name: "Ledger"},
		"default/x":                     {Namespace: "default", Name: "x"},
		" x ":                           {Namespace: "default", Name: "x"},
	} {
		got, err := catalog.ParseEntityRef(ref)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", ref, got, err, want)
		}
	}
	for _, bad := range []string{"", ":x", "a:", "a/", "/x", "a/b/c", "k:a/b/c"} {
		if _, err := catalog.ParseEntityRef(bad); err == nil {
			t.Errorf("%q read as a reference", bad)
		}
	}
}

// TestOwnFormatRoundTrip writes a catalogue with every field set and
// reads it back into the same catalogue, and the same bytes.
func TestOwnFormatRoundTrip(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	services := []incident.CatalogService{{
		Service: incident.Service{Key: "linktree", Name: "Linktree",
			ServiceInfo: incident.ServiceInfo{Description: "Link pages.\n\nWith *markdown*.", Kind: "component", Type: "website",
				Owner: "team-web", Lifecycle: "production", System: "creators", Tags: []string{"web", "yes", "12:30"},
				Annotations: []incident.Annotation{{Key: "a/b", Value: "line one\nline two"}, {Key: "c", Value: "null"}}},
			DependsOn: []string{"paymentsdb"}, Industries: []string{"content creators"}},
		CreatedAt: at("2024-01-02T03:04:05Z"), UpdatedAt: at("2025-01-02T03:04:05Z"),
		FailureModes: []incident.FailureMode{{
			ServiceKey: "linktree", Slug: "db-pool-exhaustion", Title: "Pool exhausted", Description: "d: with colon",
			Detection: "", Mitigation: "m", Status: incident.ModeMitigated, StatusChangedAt: at("2025-03-21T16:30:00Z"),
			History: []incident.StatusChange{{Status: incident.ModeUnmitigated, At: at("2024-11-04T09:00:00Z"), By: "priya"},
				{Status: incident.ModeMitigated, At: at("2025-03-21T16:30:00Z"), By: "cli"}},
			Version: 3, CreatedAt: at("2024-11-04T09:00:00Z"), UpdatedAt: at("2025-03-21T16:30:00Z"),
		}},
	}, {
		Service:   incident.Service{Key: "paymentsdb", Name: "Payments DB", DependsOn: []string{}, Industries: []string{}},
		CreatedAt: at("2024-01-02T03:04:05Z"),
	}}
	data, err := catalog.Marshal(services)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Parse(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	again, err := catalog.Marshal(cat.Services)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Fatalf("bytes differ:\n%s\n---\n%s", data, again)
	}
	got := cat.Services[0]
	if got.Description != services[0].Description || got.Annotations[0].Value != "line one\nline two" ||
		got.FailureModes[0].Version != 3 || len(got.FailureModes[0].History) != 2 || got.Tags[1] != "yes" {
		t.Errorf("read back %+v", got)
	}
	if !strings.HasPrefix(string(data), "format: aftermath-catalog/1\n") {
		t.Errorf("starts %.40q", data)
	}
}

func TestOwnFormatRefusals(t *testing.T) {
	for name, tc := range map[string]struct{ file, want string }{
		"unknown key":    {"format: aftermath-catalog/1\nservices:\n- name: a\n  colour: red\n", `unknown key "colour"`},
		"other version":  {"format: aftermath-catalog/9\nservices: []\n", "format: must be aftermath-catalog/1"},
		"list as text":   {"format: aftermath-catalog/1\nservices:\n- name: a\n  tags: web\n", "services[0].tags: must be a list"},
		"bad time":       {"format: aftermath-catalog/1\nservices:\n- name: a\n  created_at: soon\n", "services[0].created_at"},
		"two documents":  {"format: aftermath-catalog/1\nservices: []\n---\nformat: x\n", "more than one YAML document"},
		"version a word": {"format: aftermath-catalog/1\nservices:\n- name: a\n  failure_modes:\n  - slug: x\n    version: two\n", "whole number"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := catalog.Parse([]byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
