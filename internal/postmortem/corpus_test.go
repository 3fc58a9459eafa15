package postmortem

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestCorpus imports every post-mortem of an icco/postmortems checkout:
//
//	AFTERMATH_CORPUS=/path/to/postmortems go test ./internal/postmortem -run TestCorpus
//
// Each file must parse and validate, round-trip byte for byte, and map as
// PRODUCT.md's Import table says, checked against the file's own YAML read
// independently of Parse.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("AFTERMATH_CORPUS")
	if dir == "" {
		t.Skip("set AFTERMATH_CORPUS to a folder of icco/postmortems files to run this test")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("AFTERMATH_CORPUS=%s holds no .md files", dir)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			inc, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := inc.Validate(incident.DefaultVocabulary()); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkICCOFacts(t, data, inc)

			exported := mustMarshal(t, inc)
			back := mustParse(t, exported)
			if !reflect.DeepEqual(back, inc) {
				t.Errorf("import of the export differs:\n%s", diffFields(back, inc))
			}
			if again := mustMarshal(t, back); !bytes.Equal(again, exported) {
				t.Errorf("export, import, export changed the bytes:\n%s", firstDifference(again, exported))
			}
		})
	}
}

// checkICCOFacts compares inc with the raw front matter of the icco file it
// came from.
func checkICCOFacts(t *testing.T, data []byte, inc *incident.Incident) {
	t.Helper()
	parts := strings.SplitN(string(data), "\n---\n", 2)
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(strings.TrimPrefix(parts[0], "---\n")), &raw); err != nil {
		t.Fatalf("raw YAML: %v", err)
	}
	text := func(key string) string {
		s, _ := raw[key].(string)
		return s
	}

	if inc.ExternalID != text("uuid") || inc.ExternalID == "" {
		t.Errorf("external_id %q, uuid %q", inc.ExternalID, text("uuid"))
	}
	if inc.Service != strings.TrimSpace(text("company")) {
		t.Errorf("service %q, company %q", inc.Service, text("company"))
	}
	if inc.Component != strings.TrimSpace(text("product")) {
		t.Errorf("component %q, product %q", inc.Component, text("product"))
	}
	if inc.Summary != text("summary") {
		t.Errorf("summary %q, file %q", inc.Summary, text("summary"))
	}
	if title := text("title"); title != "" && inc.Title != title {
		t.Errorf("title %q, file %q", inc.Title, title)
	}

	var categories []string
	cascading := false
	list, _ := raw["categories"].([]any)
	for _, c := range list {
		s := strings.TrimSpace(c.(string))
		if !slices.Contains(categories, s) {
			categories = append(categories, s)
		}
		cascading = cascading || s == "cascading-failure"
	}
	if categories == nil {
		categories = []string{}
	}
	if !reflect.DeepEqual(inc.Tags, categories) {
		t.Errorf("tags %q, categories %q", inc.Tags, categories)
	}
	if got := slices.Contains(inc.OutageTypes, incident.OutageCascading); got != cascading {
		t.Errorf("outage types %v; cascading-failure in categories: %v", inc.OutageTypes, cascading)
	}

	for key, got := range map[string]*time.Time{"start_time": inc.StartedAt, "end_time": inc.ResolvedAt} {
		want, known := raw[key].(time.Time)
		switch {
		case !known && got != nil:
			t.Errorf("%s absent or empty (%v), incident has %v", key, raw[key], got)
		case known && (got == nil || !got.Equal(want) || got.Location() != time.UTC):
			t.Errorf("%s %v, incident has %v", key, want, got)
		}
	}

	var urls []string
	for _, l := range inc.Links {
		urls = append(urls, l.URL)
	}
	for _, key := range []string{"url", "archive_url"} {
		if u := text(key); u != "" && !slices.Contains(urls, u) {
			t.Errorf("%s %q not among the links %q", key, u, urls)
		}
	}

	mapped := []string{"uuid", "url", "archive_url", "title", "start_time", "end_time", "categories", "company", "product", "summary"}
	for key := range raw {
		if _, kept := inc.Extra[key]; kept == slices.Contains(mapped, key) {
			t.Errorf("key %q: in extra %v, mapped %v", key, kept, slices.Contains(mapped, key))
		}
	}

	if want := strings.TrimSpace(parts[1]); strings.TrimSpace(inc.Description) != want || want == "" {
		t.Errorf("description differs from the body (%d vs %d bytes)", len(inc.Description), len(want))
	}
	if inc.Status != incident.StatusResolved || inc.PostmortemStatus != incident.PostmortemPublished {
		t.Errorf("status %q, postmortem_status %q", inc.Status, inc.PostmortemStatus)
	}
}
