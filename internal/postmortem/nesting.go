package postmortem

import (
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// maxNesting bounds how many block quotes, lists and emphases may nest in
// one another. Markdown itself sets no limit: ">" repeated 600 times is a
// valid document of 600 nested quotes, which no reader means and which
// HTML parsers refuse (golang.org/x/net/html stops at 512 open elements;
// the fuzzer found it). Deeper levels are unwrapped: their text is kept, at
// the deepest level allowed.
const maxNesting = 32

// shallowNesting is a parser step that unwraps block quotes, lists and
// emphases nested deeper than maxNesting.
type shallowNesting struct{}

// Transform rewrites the document after parsing, before rendering.
func (shallowNesting) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var deep []ast.Node
	depth := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !nests(n) {
			return ast.WalkContinue, nil
		}
		if !entering {
			depth--
			return ast.WalkContinue, nil
		}
		depth++
		if depth > maxNesting {
			deep = append(deep, n)
		}
		return ast.WalkContinue, nil
	})
	// Unwrapped after the walk, outermost first: changing the tree while
	// walking it would skip nodes.
	for _, n := range deep {
		if _, ok := n.(*ast.List); ok {
			// A list goes with its items: an item outside a list is no
			// HTML a reader expects.
			for item := n.FirstChild(); item != nil; {
				next := item.NextSibling()
				unwrap(item)
				item = next
			}
		}
		unwrap(n)
	}
}

// nests reports whether n is a kind of node that can hold itself.
func nests(n ast.Node) bool {
	switch n.Kind() {
	case ast.KindBlockquote, ast.KindList, ast.KindEmphasis, east.KindStrikethrough:
		return true
	}
	return false
}

// unwrap replaces n by its children.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for child := n.FirstChild(); child != nil; {
		next := child.NextSibling()
		parent.InsertBefore(parent, n, child)
		child = next
	}
	parent.RemoveChild(parent, n)
}
