// Package search reads what people type into a search box into a small
// query that no database knows about: clauses that must all match, each
// one or more alternatives, and terms that must not match. Each storage
// backend renders it into its own full-text syntax (SQLite's FTS4 MATCH
// in package store; PostgreSQL's tsquery can sit beside it), so that the
// same words give the same incidents everywhere.
//
// The language (PRODUCT.md, "Search"):
//
//	connection pool       both words, anywhere in the incident
//	"connection pool"     the words next to each other, in this order
//	conn*                 a word that starts with "conn"
//	redis OR memcached    either word
//	-staging              no incident that has the word
//	-"load test"          no incident that has the phrase
//
// Case and accents are ignored: text is compared in its incident.Fold
// form, on both sides. OR binds tighter than the implied AND, as in web
// search boxes: "cache OR cdn timeout" is (cache or cdn) and timeout. An
// OR next to an excluded term, or at either end, is taken as a word.
// Punctuation separates words, so "e-mail" is the phrase "e mail" and
// "node.js" the phrase "node js", which is how the index holds them.
package search

import (
	"strings"
	"unicode"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// MaxTerms bounds the terms of one query, so that what a person pastes
// into the box cannot become an arbitrarily expensive search.
const MaxTerms = 32

// Query is a parsed search: every clause in All must match, and no term
// in None.
type Query struct {
	All  []Clause
	None []Term
}

// Clause is satisfied by any one of its terms.
type Clause []Term

// Term is one word, or a phrase of several in a row. Words are folded
// (incident.Fold) and hold only word characters (see Words).
type Term struct {
	Words []string
	// Prefix: the last word is the start of a word ("conn*").
	Prefix bool
}

// Empty reports whether the query has no term at all: what was typed had
// no words (only punctuation or spaces).
func (q Query) Empty() bool { return len(q.All) == 0 && len(q.None) == 0 }

// Parse reads a query as typed. It never fails: what it cannot read as an
// operator it reads as words, and characters that are not word characters
// separate words.
func Parse(typed string) Query {
	var q Query
	var pendingOr bool // the last token was OR and a positive term is before it
	terms := 0
	for _, tok := range tokens(typed) {
		if terms >= MaxTerms {
			break
		}
		if tok.text == "OR" && !tok.quoted && !tok.negated && !tok.prefix {
			if len(q.All) > 0 && !pendingOr {
				pendingOr = true
				continue
			}
			// An OR with nothing to join before it is a word.
		}
		words := Words(tok.text)
		if len(words) == 0 {
			pendingOr = false
			continue
		}
		term := Term{Words: words, Prefix: tok.prefix}
		terms++
		switch {
		case tok.negated:
			if pendingOr { // "a OR -b": the OR is a word
				q.All = append(q.All, Clause{{Words: []string{"or"}}})
				pendingOr = false
			}
			q.None = append(q.None, term)
		case pendingOr:
			last := len(q.All) - 1
			q.All[last] = append(q.All[last], term)
			pendingOr = false
		default:
			q.All = append(q.All, Clause{term})
		}
	}
	if pendingOr {
		// A trailing OR is a word too.
		q.All = append(q.All, Clause{{Words: []string{"or"}}})
	}
	return q
}

// token is one piece of what was typed, before it is split into words.
type token struct {
	text    string
	quoted  bool
	negated bool
	prefix  bool
}

// tokens splits typed text at white space, keeping "quoted phrases"
// together (an unclosed quote runs to the end), and reads a leading "-"
// and a trailing "*" off each.
func tokens(typed string) []token {
	var out []token
	rest := typed
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			return out
		}
		var t token
		if after, ok := strings.CutPrefix(rest, "-"); ok && after != "" && !unicode.IsSpace(rune(after[0])) {
			t.negated, rest = true, after
		}
		if after, ok := strings.CutPrefix(rest, `"`); ok {
			phrase, tail, closed := strings.Cut(after, `"`)
			t.text, t.quoted, rest = phrase, true, tail
			if closed && strings.HasPrefix(rest, "*") {
				t.prefix, rest = true, rest[1:]
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			t.text, rest = rest[:end], rest[end:]
		}
		if trimmed := strings.TrimRight(t.text, "*"); trimmed != t.text {
			t.text, t.prefix = trimmed, true
		}
		out = append(out, t)
	}
}

// Words splits text into the folded words a search compares: runs of
// letters, digits and private-use characters of incident.Fold(text).
// Everything else (spaces, punctuation, symbols, combining marks)
// separates words. These are the word characters of SQLite's unicode61
// tokenizer, which indexes the same folded text, so that what a query
// asks for is how the index holds it.
func Words(text string) []string {
	return strings.FieldsFunc(incident.Fold(text), func(r rune) bool { return !IsWordRune(r) })
}

// IsWordRune reports whether r is part of a word.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}
