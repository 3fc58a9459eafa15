package postmortem

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// hostileMarkdown tries the ways to get script into a page through
// markdown: raw HTML, event attributes, and links, images and autolinks with
// dangerous schemes, disguised by case, entities, blanks and control
// characters.
var hostileMarkdown = []string{
	"<script>alert(1)</script>",
	"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
	"text <script>alert(1)</script> inline",
	`<img src=x onerror=alert(1)>`,
	`<div onmouseover="alert(1)">hover</div>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<svg><script>alert(1)</script></svg>`,
	`<style>body{display:none}</style>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<object data="x.swf"></object><embed src="x.swf">`,
	"[a](javascript:alert(1))",
	"[a](JaVaScRiPt:alert(1))",
	"[a](&#106;avascript:alert(1))",
	"[a](&#x6A;&#x61;vascript:alert(1))",
	"[a](&#X6A;avascript:alert(1))",
	"[a](&#X70;:)",
	"[a](java\\script:alert(1))",
	"[a](javascript\\:alert(1))",
	"[a](&Tab;javascript:alert(1))",
	"[a](java&#9;script:alert(1))",
	"[a](java&#10;script:alert(1))",
	"[a](&#1;javascript:alert(1))",
	"[a](<java\tscript:alert(1)>)",
	"[a](< javascript:alert(1)>)",
	"[a](javascript&colon;alert(1))",
	"[a](vbscript:msgbox(1))",
	"[a](VBScript:msgbox(1))",
	"[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"[a](file:///etc/passwd)",
	`[a](javascript:alert(1) "title")`,
	"![i](javascript:alert(1))",
	"![i](data:image/png;base64,iVBORw0KGgo=)",
	"![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
	"![i](DATA:image/gif;base64,R0lGOD)",
	"[![i](javascript:alert(1))](javascript:alert(2))",
	"<javascript:alert(1)>",
	"<JAVASCRIPT:alert(1)>",
	"<vbscript:msgbox(1)>",
	"<data:text/html,<script>alert(1)</script>>",
	"[ref]\n\n[ref]: javascript:alert(1)",
	"[ref][r]\n\n[r]: <data:text/html,x> \"t\"",
	"![img][r]\n\n[r]: javascript:alert(1)",
	"[x](https://ok.example/?q=\"><script>alert(1)</script>)",
	"![x](https://ok.example/i.png \"t\\\" onerror=\\\"alert(1)\")",
	"# heading {onclick=alert(1)}",
	"`<script>` in code and\n\n```html\n<script>alert(1)</script>\n```",
	"| a | b |\n|---|---|\n| <script>x</script> | [c](javascript:alert(1)) |",
	"- [ ] <img src=x onerror=alert(1)>",
	"~~<script>alert(1)</script>~~",
	"javascript:alert(1) and www.javascript:alert(1).example and http://javascript:alert(1)",
}

func TestRenderHTMLRemovesHostileMarkup(t *testing.T) {
	for _, md := range hostileMarkdown {
		t.Run(md, func(t *testing.T) {
			out := string(RenderHTML(md))
			if problem := unsafeHTML(out); problem != "" {
				t.Errorf("%s in\n%s", problem, out)
			}
		})
	}
}

func TestRenderHTMLKeepsMarkdown(t *testing.T) {
	tests := []struct{ markdown, want string }{
		{"| a | b |\n| --- | --- |\n| 1 | 2 |", "<td>1</td>"},
		{"- [x] done\n- [ ] open", `<input checked="" disabled="" type="checkbox"`},
		{"~~gone~~", "<del>gone</del>"},
		{"see https://example.com/x now", `<a href="https://example.com/x">https://example.com/x</a>`},
		{"see www.example.com", `<a href="http://www.example.com">www.example.com</a>`},
		{"mail ops@example.com", `<a href="mailto:ops@example.com">ops@example.com</a>`},
		{"[rel](/incidents/3) [frag](#timeline) [mail](mailto:a@b.example)", `<a href="/incidents/3">rel</a> <a href="#timeline">frag</a> <a href="mailto:a@b.example">mail</a>`},
		{"![chart](https://example.com/c.png)", `<img src="https://example.com/c.png" alt="chart">`},
		{"**bold** and `code`", "<strong>bold</strong> and <code>code</code>"},
		{"[a](javascript:alert(1))", "<p>a</p>"},                                // the link goes, its text stays
		{"[a](&#X6A;avascript:alert(1))", "<p>a</p>"},                           // entities are resolved before the check
		{"![alt text](data:image/png;base64,AAAA)", "<p>alt text</p>"},          // the image goes, its alt stays
		{"<javascript:alert(1)>", "<p>javascript:alert(1)</p>"},                 // shown as text
		{"<b>raw</b>", "<!-- raw HTML omitted -->raw<!-- raw HTML omitted -->"}, // raw HTML never passes
	}
	for _, tt := range tests {
		if out := string(RenderHTML(tt.markdown)); !strings.Contains(out, tt.want) {
			t.Errorf("RenderHTML(%q) =\n%s\nwant it to contain %s", tt.markdown, out, tt.want)
		}
	}
}

func TestRenderIncidentHTML(t *testing.T) {
	inc := everything()
	out := string(RenderIncidentHTML(inc))
	for _, want := range []string{"<h1>", "<h2>Action items</h2>", "<table>", "Trailing spaces here:"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if problem := unsafeHTML(out); problem != "" {
		t.Error(problem)
	}
}

// TestRenderIncidentHTMLContainsBrokenFields: markdown left open in one
// field must not swallow the sections after it.
func TestRenderIncidentHTMLContainsBrokenFields(t *testing.T) {
	for _, broken := range []string{"```\nunclosed fence", "<!-- unclosed comment", "<pre>\nunclosed pre", "<script>\nnever closed"} {
		inc := everything()
		inc.Summary = broken
		out := string(RenderIncidentHTML(inc))
		for _, want := range []string{"<h2>Impact</h2>", "<h2>Lessons learned</h2>", "<h2>Description</h2>"} {
			if !strings.Contains(out, want) {
				t.Errorf("summary %q swallowed %s:\n%s", broken, want, out)
			}
		}
		if problem := unsafeHTML(out); problem != "" {
			t.Error(problem)
		}
	}
}

// unsafeHTML parses out as a browser would and describes the first thing in
// it that could run script, or returns "".
func unsafeHTML(out string) string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return "unparsable HTML: " + err.Error()
	}
	allowedElements := map[string]bool{
		"html": true, "head": true, "body": true, "p": true, "a": true, "img": true, "em": true, "strong": true,
		"code": true, "pre": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"ul": true, "ol": true, "li": true, "blockquote": true, "hr": true, "br": true, "table": true,
		"thead": true, "tbody": true, "tr": true, "th": true, "td": true, "del": true, "input": true,
	}
	var problem string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if problem != "" {
			return
		}
		if n.Type == html.ElementNode {
			if !allowedElements[n.Data] {
				problem = "element <" + n.Data + ">"
				return
			}
			for _, a := range n.Attr {
				name := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(name, "on") || name == "style" || name == "srcdoc" || name == "formaction":
					problem = "attribute " + a.Key + `="` + a.Val + `"`
				case (name == "href" || name == "src") && !browserSafeURL(a.Val):
					problem = "URL " + a.Key + `="` + a.Val + `"`
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return problem
}

// browserSafeURL finds a URL's scheme the way the WHATWG URL parser does,
// independently of the code under test, and accepts http, https, mailto
// and URLs without a scheme.
func browserSafeURL(raw string) bool {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	end := 0
	for end < len(s) {
		c := s[end]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(alpha || end > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			break
		}
		end++
	}
	if end == 0 || end == len(s) || s[end] != ':' {
		return true // no scheme
	}
	switch strings.ToLower(s[:end]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
