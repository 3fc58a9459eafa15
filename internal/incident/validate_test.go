package incident_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

func example(t *testing.T) incident.Incident {
	t.Helper()
	inc, err := examples.Incident(examples.LinktreeFile)
	if err != nil {
		t.Fatal(err)
	}
	return *inc
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestValidate(t *testing.T) {
	vocab := incident.DefaultVocabulary()
	tests := []struct {
		name   string
		change func(*incident.Incident)
		field  string // "" means valid
	}{
		{"the example is valid", func(*incident.Incident) {}, ""},
		{"title required", func(i *incident.Incident) { i.Title = " " }, "title"},
		{"title too long", func(i *incident.Incident) { i.Title = strings.Repeat("é", incident.MaxTitle+1) }, "title"},
		{"title at the limit", func(i *incident.Incident) { i.Title = strings.Repeat("é", incident.MaxTitle) }, ""},
		{"service required", func(i *incident.Incident) { i.Service = "" }, "service"},
		{"service without letters", func(i *incident.Incident) { i.Service = "---" }, "service"},
		{"severity required when filed", func(i *incident.Incident) { i.Severity = "" }, "severity"},
		{"SEV9", func(i *incident.Incident) { i.Severity = "SEV9" }, "severity"},
		{"lowercase sev1", func(i *incident.Incident) { i.Severity = "sev1" }, "severity"},
		{"unknown status", func(i *incident.Incident) { i.Status = "closed" }, "status"},
		{"status required", func(i *incident.Incident) { i.Status = "" }, "status"},
		{"postmortem status required", func(i *incident.Incident) { i.PostmortemStatus = "" }, "postmortem_status"},
		{"detection method required", func(i *incident.Incident) { i.DetectionMethod = "" }, "detection_method"},
		{"id at the bound", func(i *incident.Incident) { i.ID, i.Version = incident.MaxID, incident.MaxID }, ""},
		{"id beyond the bound", func(i *incident.Incident) { i.ID = incident.MaxID + 1 }, "id"},
		{"negative id", func(i *incident.Incident) { i.ID = -1 }, "id"},
		{"version beyond the bound", func(i *incident.Incident) { i.Version = incident.MaxID + 1 }, "version"},
		{"negative version", func(i *incident.Incident) { i.Version = -3 }, "version"},
		{"affected users beyond JSON-safe", func(i *incident.Incident) { n := int64(incident.MaxID + 1); i.Impact.AffectedUsers = &n }, "impact.affected_users"},
		{"NUL in a title", func(i *incident.Incident) { i.Title = "pay\x00ments" }, "title"},
		{"NUL in a description", func(i *incident.Incident) { i.Description = "before\x00after" }, "description"},
		{"NUL in a timeline entry", func(i *incident.Incident) { i.Timeline[0].Text = "x\x00" }, "timeline[0].text"},
		{"escape in a tag", func(i *incident.Incident) { i.Tags = []string{"\x1b[31mred"} }, "tags[0]"},
		{"right-to-left override in a title", func(i *incident.Incident) { i.Title = "invoice\u202Efdp.exe" }, "title"},
		{"isolate in a service", func(i *incident.Incident) { i.Service = "pay\u2066ments" }, "service"},
		{"left-to-right mark in an owner", func(i *incident.Incident) { i.ActionItems[0].Owner = "sre\u200E" }, "action_items[0].owner"},
		{"right-to-left text is fine", func(i *incident.Incident) { i.Title = "תקלה בתשלומים" }, ""},
		{"right-to-left mark in markdown is fine", func(i *incident.Incident) { i.Description = "שלום\u200Fworld" }, ""},
		{"tabs and line breaks in markdown are fine", func(i *incident.Incident) { i.Summary = "a\tb\r\nc" }, ""},
		{"unknown postmortem status", func(i *incident.Incident) { i.PostmortemStatus = "done" }, "postmortem_status"},
		{"unknown detection method", func(i *incident.Incident) { i.DetectionMethod = "psychic" }, "detection_method"},
		{"unknown outage type", func(i *incident.Incident) { i.OutageTypes = []incident.OutageType{"global", "local"} }, "outage_types[1]"},
		{"unknown cause category", func(i *incident.Incident) { i.PrimaryCause.Category = "gremlins" }, "primary_cause.category"},
		{"cause without category", func(i *incident.Incident) { i.PrimaryCause.Category = "" }, "primary_cause.category"},
		{"empty cause while investigating", func(i *incident.Incident) { i.PrimaryCause = incident.Cause{} }, ""},
		{"factor with gap category", func(i *incident.Incident) { i.ContributingFactors[0].Category = "alert-window" }, "contributing_factors[0].category"},
		{"gap with cause category", func(i *incident.Incident) { i.DetectionGaps[2].Category = "deployment" }, "detection_gaps[2].category"},
		{"detected before started", func(i *incident.Incident) { i.DetectedAt = at("2025-03-14T15:00:00Z") }, "detected_at"},
		{"resolved before mitigated", func(i *incident.Incident) { i.ResolvedAt = at("2025-03-14T15:40:00Z") }, "resolved_at"},
		{"resolved before started, middle unknown", func(i *incident.Incident) {
			i.DetectedAt, i.MitigatedAt, i.ResolvedAt = nil, nil, at("2025-03-14T14:00:00Z")
		}, "resolved_at"},
		{"all timestamps unknown", func(i *incident.Incident) {
			i.StartedAt, i.DetectedAt, i.MitigatedAt, i.ResolvedAt = nil, nil, nil, nil
		}, ""},
		{"equal timestamps", func(i *incident.Incident) { i.DetectedAt = i.StartedAt }, ""},
		{"negative affected users", func(i *incident.Incident) { n := int64(-1); i.Impact.AffectedUsers = &n }, "impact.affected_users"},
		{"action item without title", func(i *incident.Incident) { i.ActionItems[0].Title = "" }, "action_items[0].title"},
		{"action item kind", func(i *incident.Incident) { i.ActionItems[1].Kind = "pray" }, "action_items[1].kind"},
		{"action item status", func(i *incident.Incident) { i.ActionItems[1].Status = "later" }, "action_items[1].status"},
		{"action item due date", func(i *incident.Incident) { i.ActionItems[0].DueDate = "2025-02-30" }, "action_items[0].due_date"},
		{"addresses a missing gap", func(i *incident.Incident) { i.ActionItems[0].Addresses = "detection_gaps[3]" }, "action_items[0].addresses"},
		{"addresses nonsense", func(i *incident.Incident) { i.ActionItems[0].Addresses = "the bug" }, "action_items[0].addresses"},
		{"timeline without time", func(i *incident.Incident) { i.Timeline[0].At = time.Time{} }, "timeline[0].at"},
		{"timeline without text", func(i *incident.Incident) { i.Timeline[0].Text = "" }, "timeline[0].text"},
		{"year -1 in UTC", func(i *incident.Incident) { i.StartedAt = at("0000-01-01T00:00:00+01:00") }, "started_at"},
		{"year 10000 in UTC", func(i *incident.Incident) { i.Timeline[0].At = *at("9999-12-31T23:59:59-01:00") }, "timeline[0].at"},
		{"link scheme", func(i *incident.Incident) { i.Links[0].URL = "javascript:alert(1)" }, "links[0].url"},
		{"relative link", func(i *incident.Incident) { i.Links[0].URL = "/dashboards" }, "links[0].url"},
		{"empty tag", func(i *incident.Incident) { i.Tags = []string{"a", " "} }, "tags[1]"},
		{"too many tags", func(i *incident.Incident) {
			i.Tags = nil
			for n := range incident.MaxListItems + 1 {
				i.Tags = append(i.Tags, strings.Repeat("t", n+1))
			}
		}, "tags"},
		{"description too long", func(i *incident.Incident) { i.Description = strings.Repeat("x", incident.MaxMarkdown+1) }, "description"},
		{"invalid UTF-8", func(i *incident.Incident) { i.Summary = "\xff\xfe" }, "summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := example(t)
			tt.change(&inc)
			inc.Normalize()
			err := inc.ValidateFiled(vocab)
			if err == nil {
				err = inc.ValidateImported(vocab)
			}
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if incident.ErrorCode(err) != incident.EINVALID {
				t.Fatalf("want validation error on %s, got %v", tt.field, err)
			}
			fields := err.(*incident.Error).Fields
			if fields[tt.field] == "" {
				t.Fatalf("want a message on %s, got %v", tt.field, fields)
			}
		})
	}
}

func TestImportedHistoryMayLackSeverity(t *testing.T) {
	inc := example(t)
	inc.Severity = ""
	inc.Normalize()
	if err := inc.Validate(incident.DefaultVocabulary()); err != nil {
		t.Fatal(err)
	}
}

func TestNormalize(t *testing.T) {
	inc := example(t)
	inc.Title = "  padded  "
	inc.Service = " Travis CI "
	inc.OutageTypes = []incident.OutageType{"cascading", "global", "cascading"}
	inc.Tags = []string{"db", " db ", "api"}
	local := time.Date(2025, 3, 14, 8, 2, 0, 999, time.FixedZone("PDT", -7*3600))
	inc.StartedAt = &local
	inc.Status, inc.PostmortemStatus, inc.DetectionMethod = "", "", ""
	inc.Normalize()
	if inc.Status != "" || inc.PostmortemStatus != "" || inc.DetectionMethod != "" {
		t.Errorf("Normalize filled in defaults: %q %q %q", inc.Status, inc.PostmortemStatus, inc.DetectionMethod)
	}
	inc.ApplyDefaults()

	if inc.Title != "padded" || inc.Service != "Travis CI" || inc.ServiceKey != "travisci" {
		t.Errorf("names: %q %q %q", inc.Title, inc.Service, inc.ServiceKey)
	}
	if got := inc.OutageTypes; len(got) != 2 || got[0] != "global" || got[1] != "cascading" {
		t.Errorf("outage types %v", got)
	}
	if got := inc.Tags; len(got) != 2 || got[0] != "db" || got[1] != "api" {
		t.Errorf("tags %v", got)
	}
	if inc.StartedAt.Location() != time.UTC || inc.StartedAt.Format(time.RFC3339Nano) != "2025-03-14T15:02:00Z" {
		t.Errorf("started_at %s", inc.StartedAt.Format(time.RFC3339Nano))
	}
	if inc.Status != incident.StatusInvestigating || inc.PostmortemStatus != incident.PostmortemDraft || inc.DetectionMethod != incident.DetectedByUnknown {
		t.Errorf("defaults: %s %s %s", inc.Status, inc.PostmortemStatus, inc.DetectionMethod)
	}
}

func TestServiceKey(t *testing.T) {
	tests := []struct{ name, key string }{
		{"Travis CI", "travisci"},
		{"TravisCI", "travisci"},
		{"travis-ci", "travisci"},
		{"ｔｒａｖｉｓ ｃｉ", "travisci"},
		{"ｐａｙｍｅｎｔｓ", "payments"},
		{"Payments", "payments"},
		{"PAYMENTS", "payments"},
		{"payments-api v2", "paymentsapiv2"},
		{"café", "cafe"},       // é as one code point
		{"cafe\u0301", "cafe"}, // e and a combining acute accent
		{"CAFÉ", "cafe"},       // upper case with the accent
		{"Zürich Ops", "zurichops"},
		{"Straße", "strasse"}, // full case folding
		{"ﬁnance", "finance"}, // a ligature, by NFKC
		{"Ｘ１", "x1"},
		{"Ελλάδα", "ελλαδα"}, // Greek keeps its letters, loses its tonos
		{"Москва", "москва"},
		{"ガス", "ガス"}, // Japanese voicing marks are part of the letter
		{"カス", "カス"},
		{"東京", "東京"},
		{"!!!", ""},
	}
	for _, tt := range tests {
		if got := incident.ServiceKey(tt.name); got != tt.key {
			t.Errorf("ServiceKey(%q) = %q, want %q", tt.name, got, tt.key)
		}
		if again := incident.ServiceKey(tt.key); again != tt.key {
			t.Errorf("a key is not its own key: ServiceKey(%q) = %q", tt.key, again)
		}
	}
}

func TestParseID(t *testing.T) {
	good := map[string]int64{"1": 1, "42": 42, "9007199254740991": incident.MaxID, "9223372036854775807": 1<<63 - 1}
	for s, want := range good {
		if got, ok := incident.ParseID(s); !ok || got != want {
			t.Errorf("ParseID(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "0", "01", "+1", "-1", " 1", "1 ", "1.0", "1e3", "0x10", "١", "9223372036854775808", "99999999999999999999"} {
		if got, ok := incident.ParseID(s); ok {
			t.Errorf("ParseID(%q) = %d, want no id", s, got)
		}
	}
}

// TestErrorsStaySmall: however many fields fail, an error names at most
// MaxFieldErrors of them, and lists a vocabulary's slugs once.
func TestErrorsStaySmall(t *testing.T) {
	inc := example(t)
	inc.ContributingFactors = nil
	for range incident.MaxListItems {
		inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{Category: "gremlins", Description: "x"})
	}
	inc.Normalize()
	err := inc.Validate(incident.DefaultVocabulary())
	e, ok := err.(*incident.Error)
	if !ok {
		t.Fatalf("want a validation error, got %v", err)
	}
	if len(e.Fields) != incident.MaxFieldErrors || !strings.Contains(e.Message, "first 20") {
		t.Fatalf("%d fields, message %q", len(e.Fields), e.Message)
	}
	listed := 0
	for field, msg := range e.Fields {
		if strings.Contains(msg, "resource-exhaustion") {
			listed++
			if field != "contributing_factors[0].category" {
				t.Errorf("the slugs are listed under %s, not the first field", field)
			}
		} else if !strings.Contains(msg, "listed under contributing_factors[0].category") {
			t.Errorf("%s: %q points nowhere", field, msg)
		}
	}
	if listed != 1 {
		t.Errorf("the slugs are listed %d times", listed)
	}
}

func TestStampDoneItems(t *testing.T) {
	inc := example(t)
	now := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Hour)
	inc.ActionItems[0].DoneAt = &earlier
	inc.ActionItems[1].DoneAt = nil      // done, with no time yet: stamped
	inc.ActionItems[2].DoneAt = &earlier // not done: must be cleared
	inc.StampDoneItems(now)
	if !inc.ActionItems[0].DoneAt.Equal(earlier) {
		t.Error("an existing done time was overwritten")
	}
	if !inc.ActionItems[1].DoneAt.Equal(now) {
		t.Error("a done item was not stamped")
	}
	if inc.ActionItems[2].DoneAt != nil {
		t.Error("an open item kept a done time")
	}
}

func TestDurations(t *testing.T) {
	inc := example(t)
	if d := inc.TimeToDetect(); d == nil || *d != 22*time.Minute {
		t.Errorf("time to detect %v", d)
	}
	if d := inc.TimeToResolve(); d == nil || *d != 128*time.Minute {
		t.Errorf("time to resolve %v", d)
	}
	inc.StartedAt = nil
	if inc.TimeToMitigate() != nil {
		t.Error("a duration without a start")
	}
}
