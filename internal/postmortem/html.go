package postmortem

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// renderer turns user markdown into HTML that is safe to put in a page.
//
// goldmark does the main work: raw HTML in the markdown is replaced by an
// "omitted" comment (html.WithUnsafe is never set), and every text and
// attribute it writes is escaped. goldmark's own URL check is a deny list
// (javascript:, vbscript:, file:, and data: except PNG, GIF, JPEG and WebP
// images); unsafeLinks below puts an allow list in front of it, so that a
// scheme nobody thought of is refused too, and so are data: images.
//
// A goldmark.Markdown is safe for concurrent use.
var renderer = goldmark.New(
	// GFM (tables, task lists, strikethrough, linkify), with table cells
	// aligned by the align attribute: goldmark's default is an inline style,
	// which the pages' Content-Security-Policy forbids.
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough, extension.Linkify, extension.TaskList,
	),
	goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(unsafeLinks{}, 0), util.Prioritized(shallowNesting{}, 1)),
	),
)

// RenderHTML renders user markdown (GitHub flavoured) as HTML for a page.
// Raw HTML is left out, and links and images are kept only when they point
// at http, https or mailto URLs or within the site.
func RenderHTML(markdown string) template.HTML {
	var out bytes.Buffer
	if err := renderer.Convert([]byte(markdown), &out); err != nil {
		// Convert fails only when writing to out fails, which a
		// bytes.Buffer does not; show nothing rather than half a page.
		return ""
	}
	return template.HTML(out.String()) // safe: see renderer
}

// RenderIncidentHTML renders an incident's post-mortem page: Body as HTML,
// less the DescriptionMarker. Each section is rendered on its own, so that
// markdown left open in one field (a code fence, an HTML comment) cannot
// swallow the sections after it.
func RenderIncidentHTML(inc *incident.Incident) template.HTML {
	var page strings.Builder
	for _, section := range sections(inc) {
		page.WriteString(string(RenderHTML(section)))
	}
	if inc.Description != "" {
		page.WriteString(string(RenderHTML(descriptionHeading)))
		page.WriteString(string(RenderHTML(inc.Description)))
	}
	return template.HTML(page.String()) // safe: each part comes from RenderHTML
}

// unsafeLinks is a parser step that turns links and images with a
// destination outside the allow list into their plain text.
type unsafeLinks struct{}

// Transform rewrites the document after parsing, before rendering.
func (unsafeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		// The check is made on the URL exactly as goldmark will write it:
		// entities and backslash escapes resolved, then percent-encoded.
		// The AST keeps the destination as written, so "&#X6A;avascript:"
		// must be resolved here to be seen for what it is.
		switch n := n.(type) {
		case *ast.Link:
			if !safeURL(util.URLEscape(n.Destination, true), linkSchemes) {
				unsafe = append(unsafe, n)
			}
		case *ast.Image:
			if !safeURL(util.URLEscape(n.Destination, true), imageSchemes) {
				unsafe = append(unsafe, n)
			}
		case *ast.AutoLink:
			if !safeURL(util.URLEscape(n.URL(source), false), linkSchemes) {
				unsafe = append(unsafe, n)
			}
		}
		return ast.WalkContinue, nil
	})
	// Replaced after the walk: changing the tree while walking it would
	// skip nodes.
	for _, n := range unsafe {
		parent := n.Parent()
		if auto, ok := n.(*ast.AutoLink); ok {
			parent.ReplaceChild(parent, n, ast.NewString(auto.Label(source)))
			continue
		}
		// A link's or image's children are its text (an image's alt text).
		unwrap(n)
	}
}

// The schemes a link or an image may use. URLs without a scheme (relative
// ones, "#anchors") stay within the site and are allowed.
var (
	linkSchemes  = []string{"http", "https", "mailto"}
	imageSchemes = []string{"http", "https"}
)

// safeURL reports whether a browser would follow url to one of the allowed
// schemes or within the site. Browsers ignore blanks and control characters
// around a URL and drop tabs and line breaks inside it ("java\tscript:" is
// javascript:); safeURL drops every control character and space, which is
// stricter. Anything before the first ':' that is not cut short by '/', '?'
// or '#' counts as a scheme and must be on the list; that refuses some odd
// relative URLs too ("a&b:c"), which is the safe side to err on.
func safeURL(url []byte, allowed []string) bool {
	cleaned := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7F {
			return -1
		}
		return r
	}, string(url))
	scheme, _, hasColon := strings.Cut(cleaned, ":")
	if !hasColon || strings.ContainsAny(scheme, "/?#") {
		return true // no scheme: relative to the page
	}
	for _, s := range allowed {
		if strings.EqualFold(scheme, s) {
			return true
		}
	}
	return false
}
