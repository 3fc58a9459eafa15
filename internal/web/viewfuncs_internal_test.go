package web

import (
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestLabel(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{incident.ActionWontDo, "won’t do"},
		{"wont_do", "won’t do"},
		{incident.ActionStatus("in_progress"), "in progress"},
		{"customer-report", "customer report"},
		{"SEV1", "SEV1"},
		{"", ""},
	} {
		if got := label(tc.in); got != tc.want {
			t.Errorf("label(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
