package postmortem

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestRenderHTMLBoundsNesting: markdown nested deeper than any reader
// means still renders as HTML a parser accepts, with its text, and
// nesting within the bound is kept as written.
func TestRenderHTMLBoundsNesting(t *testing.T) {
	for _, tc := range []struct {
		name, markdown, text string
		element              string // counted in the output
		want                 int    // how many of it, -1 for "at most maxNesting"
	}{
		{"quotes", strings.Repeat(">", 600) + " deep", "deep", "blockquote", -1},
		{"bullet lists", strings.Repeat("- ", 600) + "deep", "deep", "ul", -1},
		{"numbered lists", strings.Repeat("1. ", 600) + "deep", "deep", "ol", -1},
		{"quotes in lists", strings.Repeat("> - ", 300) + "deep", "deep", "blockquote", -1},
		{"emphasis", strings.Repeat("*", 1200) + "deep" + strings.Repeat("*", 1200), "deep", "strong", -1},
		{"underscores", strings.Repeat("_", 1200) + "deep" + strings.Repeat("_", 1200), "deep", "strong", -1},
		{"ten thousand quotes", strings.Repeat(">", 10000) + " deep", "deep", "blockquote", -1},
		{"quotes within the bound", strings.Repeat(">", maxNesting) + " kept", "kept", "blockquote", maxNesting},
		{"lists within the bound", strings.Repeat("- ", maxNesting) + "kept", "kept", "ul", maxNesting},
		{"three quotes", "> > > kept", "kept", "blockquote", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(RenderHTML(tc.markdown))
			if problem := unsafeHTML(out); problem != "" {
				t.Fatalf("%s in %.300s…", problem, out)
			}
			doc, err := html.Parse(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			var count, depth, deepest int
			var texts strings.Builder
			var walk func(*html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode {
					depth++
					deepest = max(deepest, depth)
					if n.Data == tc.element {
						count++
					}
				}
				if n.Type == html.TextNode {
					texts.WriteString(n.Data)
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
				if n.Type == html.ElementNode {
					depth--
				}
			}
			walk(doc)
			if !strings.Contains(texts.String(), tc.text) {
				t.Errorf("the text %q is gone: %.300s", tc.text, out)
			}
			switch {
			case tc.want < 0 && (count == 0 || count > maxNesting):
				t.Errorf("%d <%s>, want 1 to %d", count, tc.element, maxNesting)
			case tc.want >= 0 && count != tc.want:
				t.Errorf("%d <%s>, want %d", count, tc.element, tc.want)
			}
			if deepest > 3*maxNesting {
				t.Errorf("elements nest %d deep", deepest)
			}
		})
	}
}
