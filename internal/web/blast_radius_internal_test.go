package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/report"
)

// TestBlastGraphLayout: columns by distance (the deepest joining the
// last), at most blastMaxRows boxes a column with the rest counted, every
// box inside the drawing and none over another, an edge from each shown
// dependent to the service it reaches the failure through, and a table
// row for everything hit, whether drawn or not.
func TestBlastGraphLayout(t *testing.T) {
	var deps []report.ServiceLink
	for i := range 10 {
		deps = append(deps, report.ServiceLink{Key: fmt.Sprintf("d%d", i), Name: fmt.Sprintf("Direct %d", i), Depth: 1, Path: []string{fmt.Sprintf("d%d", i)}})
	}
	deps = append(deps,
		report.ServiceLink{Key: "s1", Name: "Second", Depth: 2, Path: []string{"d0", "s1"}},
		report.ServiceLink{Key: "s2", Name: "Second two", Depth: 2, Path: []string{"d9", "s2"}}, // d9 is not drawn
		report.ServiceLink{Key: "far", Name: "A service with a very long name indeed", Depth: 5, Path: []string{"d0", "s1", "x", "y", "far"}})
	var inds []report.IndustryLink
	for i := range 10 {
		inds = append(inds, report.IndustryLink{Industry: fmt.Sprintf("industry %d", i), Via: []string{"d0"}})
	}
	names := func(k string) string { return strings.ToUpper(k) }
	g := newBlastGraph("core", "Core", deps, inds, names)

	if len(g.Rows) != len(deps)+len(inds) || g.Rows[10].How != "through D0" || g.Rows[0].How != "depends on Core directly" ||
		g.Rows[12].How != "through D0 → S1 → X → Y" || g.Rows[13].How != "relies on D0" || g.Rows[13].Href != "" {
		t.Fatalf("rows %+v", g.Rows)
	}
	if g.Hidden != 4 {
		t.Errorf("hidden %d, want 4 (two direct services, two industries)", g.Hidden)
	}
	if want := []string{"Fails", "Depend on it", "2 away", "3 or more away", "Industries hit"}; len(g.Columns) != len(want) {
		t.Fatalf("columns %+v", g.Columns)
	} else {
		for i, c := range g.Columns {
			if c.Label != want[i] {
				t.Errorf("column %d is %q, want %q", i, c.Label, want[i])
			}
		}
	}
	if len(g.Nodes) != 1+blastMaxRows+2+1+blastMaxRows {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	for i, a := range g.Nodes {
		if a.X < 0 || a.Y < blastTop || a.X+a.W > g.Width || a.Y+a.H > g.Height {
			t.Errorf("node %q at %d,%d is outside %dx%d", a.Label, a.X, a.Y, g.Width, g.Height)
		}
		if len([]rune(a.Label)) > blastLabelMax {
			t.Errorf("label %q is longer than its box", a.Label)
		}
		for _, b := range g.Nodes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("%q and %q overlap", a.Label, b.Label)
			}
		}
	}
	// Eight direct, Second (via d0), none for Second two (its parent is
	// hidden) or far (its parent y is not drawn), eight industries via d0.
	if len(g.Edges) != 8+1+8 {
		t.Errorf("%d edges", len(g.Edges))
	}

	empty := newBlastGraph("lone", "Lone", nil, nil, names)
	if len(empty.Rows) != 0 || len(empty.Nodes) != 1 || empty.Hidden != 0 {
		t.Errorf("a service nothing depends on: %+v", empty)
	}
}
