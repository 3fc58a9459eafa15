package postmortem

import (
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestFileName(t *testing.T) {
	started := time.Date(2025, 3, 14, 23, 30, 0, 0, time.FixedZone("", -8*3600)) // 2025-03-15 in UTC
	tests := []struct {
		name string
		inc  incident.Incident
		want string
	}{
		{"linktree", *linktree(t), "2025-03-14-linktree-payment-processing-outage-database-connection-pool-exhausted-1.md"},
		{"date in UTC, accents folded", incident.Incident{ID: 7, StartedAt: &started, Service: "Zürich Bank", Title: "Überweisung failed!"},
			"2025-03-15-zurich-bank-uberweisung-failed-7.md"},
		{"undated", incident.Incident{ID: 3, Service: "Travis CI", Title: "Builds stuck"}, "undated-travis-ci-builds-stuck-3.md"},
		{"service repeated in the title", incident.Incident{ID: 4, Service: "PagerDuty", Title: "PagerDuty incident (date unknown)"},
			"undated-pagerduty-incident-date-unknown-4.md"},
		{"no ASCII at all", incident.Incident{ID: 5, Service: "東京", Title: "障害"}, "undated-5.md"},
		{"not stored yet", incident.Incident{Service: "S", Title: "T"}, "undated-s-t.md"},
		{"path tricks", incident.Incident{ID: 6, Service: "../../etc", Title: "a/b\\c\x00d"}, "undated-etc-a-b-c-d-6.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FileName(&tt.inc); got != tt.want {
				t.Errorf("FileName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFileNameIsBoundedASCII(t *testing.T) {
	inc := &incident.Incident{ID: 1 << 62, Service: strings.Repeat("service name ", 20), Title: strings.Repeat("ü long-title ", 50)}
	got := FileName(inc)
	if len(got) > 140 {
		t.Errorf("%d bytes: %q", len(got), got)
	}
	for _, r := range got {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			t.Fatalf("%q has %q", got, r)
		}
	}
	if strings.Contains(got, "--") || strings.Contains(got, "-.") {
		t.Errorf("%q has empty words", got)
	}
}

func TestIDFromFileName(t *testing.T) {
	tests := []struct {
		name string
		id   int64
		ok   bool
	}{
		{"2025-03-14-linktree-payment-processing-outage-1.md", 1, true},
		{FileName(&incident.Incident{ID: 9001, Service: "S", Title: "T"}), 9001, true},
		{"undated-5.md", 5, true},
		{"undated-s-t.md", 0, false},
		{"2017-01-31-gitlab.md", 0, false},
		{"notes-0.md", 0, false},
		{"notes--3.md", 3, true}, // "-3" is the id part; the dash before it is the separator
		{"report-12.txt", 0, false},
		{"12.md", 0, false},
		{"x-99999999999999999999.md", 0, false},
	}
	for _, tt := range tests {
		id, ok := IDFromFileName(tt.name)
		if id != tt.id || ok != tt.ok {
			t.Errorf("IDFromFileName(%q) = %d, %v; want %d, %v", tt.name, id, ok, tt.id, tt.ok)
		}
	}
}
