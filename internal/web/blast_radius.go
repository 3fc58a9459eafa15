package web

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/internal/report"
)

// The blast radius of a service is drawn on its page as a small graph,
// left to right: the service, then the services that depend on it by how
// far away they are (directly, through one other, …), then the industries
// and business functions those services carry. It is SVG drawn on the
// server (ui/templates/_blast_radius.html) from the geometry computed
// here: classes for the look, attributes for the places, no script and no
// inline style. The same facts are in a table beside it, which is what a
// screen reader reads and what prints.

// blastGraph is the drawing's geometry.
type blastGraph struct {
	Width, Height int
	Nodes         []blastNode
	Edges         []blastEdge
	Columns       []blastColumn
	// Hidden counts the services and industries left out of the drawing
	// (they are in the table).
	Hidden int
	// Rows are the table beside the drawing: everything hit, and how.
	Rows []blastRow
}

// blastRow is one line of the table: what is hit (a service links to its
// page) and how it is reached.
type blastRow struct {
	Name, Href, How string
}

type blastNode struct {
	X, Y, W, H   int
	TX, TY       int // where the label goes
	Label, Title string
	Class        string
}

type blastEdge struct {
	Path  string // an SVG path
	Class string
}

type blastColumn struct {
	X     int
	Label string
}

// Geometry, in SVG units.
const (
	blastNodeW    = 156
	blastNodeH    = 28
	blastColGap   = 56
	blastRowGap   = 10
	blastTop      = 30 // room for the column headings
	blastMaxRows  = 8  // nodes per column; the rest are counted
	blastMaxDepth = 3  // columns of dependents; deeper ones join the last
	blastLabelMax = 20 // characters of a label; the title has all of it
)

// newBlastGraph lays out the blast radius of service (key, name) from its
// history: its dependents, nearest first, and the industries reached;
// names gives the display name of a service key.
func newBlastGraph(key, name string, dependents []report.ServiceLink, industries []report.IndustryLink, names func(string) string) *blastGraph {
	g := &blastGraph{}
	for _, d := range dependents {
		how := "depends on " + name + " directly"
		if d.Depth > 1 {
			via := make([]string, len(d.Path)-1)
			for i, k := range d.Path[:len(d.Path)-1] {
				via[i] = names(k)
			}
			how = "through " + strings.Join(via, " → ")
		}
		g.Rows = append(g.Rows, blastRow{Name: d.Name, Href: "/services/" + d.Key, How: how})
	}
	for _, ind := range industries {
		via := make([]string, len(ind.Via))
		for i, k := range ind.Via {
			via[i] = names(k)
		}
		g.Rows = append(g.Rows, blastRow{Name: ind.Industry, How: "relies on " + strings.Join(via, ", ")})
	}
	type placed struct{ x, y int }
	at := map[string]placed{}
	columns := [][]blastNode{{{Label: short(name), Title: name, Class: "node-service"}}}
	keys := [][]string{{key}}
	for _, d := range dependents {
		col := min(d.Depth, blastMaxDepth)
		for len(columns) <= col {
			columns = append(columns, nil)
			keys = append(keys, nil)
		}
		if len(columns[col]) == blastMaxRows {
			g.Hidden++
			continue
		}
		title := d.Name
		if d.Depth > 1 {
			title += ": " + g.Rows[slicesIndexOf(dependents, d.Key)].How
		}
		columns[col] = append(columns[col], blastNode{Label: short(d.Name), Title: title, Class: "node-dependent"})
		keys[col] = append(keys[col], d.Key)
	}
	var inds []blastNode
	for _, ind := range industries {
		if len(inds) == blastMaxRows {
			g.Hidden++
			continue
		}
		inds = append(inds, blastNode{Label: short(ind.Industry), Title: ind.Industry + ": " + g.Rows[len(dependents)+len(inds)].How, Class: "node-industry"})
	}
	rows := len(inds)
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	g.Height = blastTop + rows*(blastNodeH+blastRowGap)
	place := func(col int, nodes []blastNode, label string) []blastNode {
		x := col * (blastNodeW + blastColGap)
		g.Columns = append(g.Columns, blastColumn{X: x, Label: label})
		top := blastTop + (rows-len(nodes))*(blastNodeH+blastRowGap)/2
		for i := range nodes {
			n := &nodes[i]
			n.X, n.Y, n.W, n.H = x, top+i*(blastNodeH+blastRowGap), blastNodeW, blastNodeH
			n.TX, n.TY = n.X+8, n.Y+blastNodeH/2+5
		}
		return nodes
	}
	for col, nodes := range columns {
		label := "Fails"
		switch {
		case col == 1:
			label = "Depend on it"
		case col == blastMaxDepth:
			label = fmt.Sprintf("%d or more away", col)
		case col > 1:
			label = fmt.Sprintf("%d away", col)
		}
		nodes = place(col, nodes, label)
		for i, n := range nodes {
			at[keys[col][i]] = placed{n.X, n.Y}
		}
		g.Nodes = append(g.Nodes, nodes...)
	}
	edge := func(from, to placed, class string) {
		x1, y1 := from.x+blastNodeW, from.y+blastNodeH/2
		x2, y2 := to.x, to.y+blastNodeH/2
		mid := (x1 + x2) / 2
		g.Edges = append(g.Edges, blastEdge{Class: class, Path: fmt.Sprintf("M%d %d C%d %d, %d %d, %d %d", x1, y1, mid, y1, mid, y2, x2, y2)})
	}
	for _, d := range dependents {
		to, shown := at[d.Key]
		parent := key
		if len(d.Path) > 1 {
			parent = d.Path[len(d.Path)-2]
		}
		if from, ok := at[parent]; shown && ok {
			edge(from, to, "edge")
		}
	}
	if len(inds) > 0 {
		inds = place(len(columns), inds, "Industries hit")
		for i, n := range inds {
			for _, via := range industries[i].Via {
				if from, ok := at[via]; ok {
					edge(from, placed{n.X, n.Y}, "edge edge-industry")
				}
			}
		}
		g.Nodes = append(g.Nodes, inds...)
	}
	g.Width = len(g.Columns)*(blastNodeW+blastColGap) - blastColGap
	return g
}

// short cuts a label to what fits its box.
func short(s string) string {
	if utf8.RuneCountInString(s) <= blastLabelMax {
		return s
	}
	r := []rune(s)
	return string(r[:blastLabelMax-1]) + "…"
}

func slicesIndexOf(links []report.ServiceLink, key string) int {
	return slices.IndexFunc(links, func(l report.ServiceLink) bool { return l.Key == key })
}
