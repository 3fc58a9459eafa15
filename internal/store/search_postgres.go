package store

import (
	"errors"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
)

// Full-text search on PostgreSQL. The words of an incident are split and
// folded here, in Go, by the rule queries are read with (search.Words), not by
// a text-search configuration: PostgreSQL's parser splits "api.example.com"
// and "v1.2" in ways SQLite's tokenizer does not, and unaccent may not be
// installed. incident_search holds, per incident, the distinct words as a
// tsvector for the GIN index, and incident_search_words the words in order
// as text, in which a phrase is a substring (see
// migrations/postgres/00001_schema.sql).

// maxLexeme is the longest word a tsvector holds, in bytes (PostgreSQL's
// limit is 2,047). A longer one is left out of the tsvector, kept in the
// words, and found by substring alone.
const maxLexeme = 2047

// indexForPostgresSearch writes the search entries of incidents whose ids
// are set. Callers delete stale entries first.
func indexForPostgresSearch(tx *gorm.DB, incs []*incident.Incident) error {
	for chunk := range slices.Chunk(incs, batchRows) {
		var documents, words strings.Builder
		documents.WriteString("INSERT INTO incident_search (incident_id, document) VALUES ")
		words.WriteString("INSERT INTO incident_search_words (incident_id, words) VALUES ")
		documentArgs := make([]any, 0, 2*len(chunk))
		wordArgs := make([]any, 0, 2*len(chunk))
		for i, inc := range chunk {
			if i > 0 {
				documents.WriteString(", ")
				words.WriteString(", ")
			}
			documents.WriteString("(?, CAST(? AS tsvector))")
			words.WriteString("(?, ?)")
			document, text := searchEntry(inc)
			documentArgs = append(documentArgs, inc.ID, document)
			wordArgs = append(wordArgs, inc.ID, text)
		}
		if err := errors.Join(tx.Exec(documents.String(), documentArgs...).Error, tx.Exec(words.String(), wordArgs...).Error); err != nil {
			return err
		}
	}
	return nil
}

// searchEntry is an incident's tsvector (as text) and words.
func searchEntry(inc *incident.Incident) (document, words string) {
	var w strings.Builder
	distinct := map[string]bool{}
	for _, field := range searchedFields(inc) {
		w.WriteString("| ")
		for _, word := range search.Words(field) {
			w.WriteString(word)
			w.WriteByte(' ')
			if len(word) <= maxLexeme {
				distinct[word] = true
			}
		}
	}
	w.WriteByte('|')
	lexemes := make([]string, 0, len(distinct))
	for word := range distinct {
		lexemes = append(lexemes, tsLexeme(word))
	}
	slices.Sort(lexemes)
	return strings.Join(lexemes, " "), w.String()
}

// tsLexeme quotes a word for tsvector and tsquery input. Words hold
// letters and digits only; quotes and backslashes are escaped all the same.
func tsLexeme(word string) string {
	return "'" + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(word) + "'"
}

// pgTerm is one searched term: a word, or a phrase of words in a row; the
// last may be the start of a word.
type pgTerm struct {
	words  []string
	prefix bool
}

// tsquery is a tsquery every incident holding the term matches: its words
// (the last as a prefix when the term is one), those too long for a
// lexeme left out; "" when none is left. exact reports whether matching
// it is the same as holding the term: one word, not too long.
func (t pgTerm) tsquery() (query string, exact bool) {
	var parts []string
	for i, w := range t.words {
		if len(w) > maxLexeme {
			continue
		}
		part := tsLexeme(w)
		if t.prefix && i == len(t.words)-1 {
			part += ":*"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " & "), len(t.words) == 1 && len(parts) == 1
}

// pattern is the substring of incident_search_words.words that holds the
// term:
// its words with a space before each and after the last, unless the last
// is a prefix.
func (t pgTerm) pattern() string {
	p := " " + strings.Join(t.words, " ")
	if !t.prefix {
		p += " "
	}
	return p
}

// condition is SQL on incident_search (alias s) that holds exactly for
// the incidents holding the term: the tsquery alone when it decides, else
// the substring (with the tsquery, when there is one, for the GIN index).
func (t pgTerm) condition() condition {
	query, exact := t.tsquery()
	switch {
	case exact:
		return condition{sql: "s.document @@ CAST(? AS tsquery)", args: []any{query}}
	case query == "":
		return condition{sql: hasPhrase, args: []any{t.pattern()}}
	}
	return condition{sql: "(s.document @@ CAST(? AS tsquery) AND " + hasPhrase + ")", args: []any{query, t.pattern()}}
}

// hasPhrase tests that an incident's words hold a pattern.
const hasPhrase = "EXISTS (SELECT 1 FROM incident_search_words w WHERE w.incident_id = s.incident_id AND strpos(w.words, ?) > 0)"

func termOf(t search.Term) pgTerm { return pgTerm{words: t.Words, prefix: t.Prefix} }

// postgresSearch renders a parsed search (package search) as conditions on
// incidents, matching what SQLite's FTS4 rendering matches: every clause
// must hold (any of its terms), and no excluded term; a search of only
// exclusions lists what to leave out.
func postgresSearch(q search.Query) searchPlan {
	switch {
	case q.Empty():
		return searchPlan{nothing: true}
	case len(q.All) == 0:
		return searchPlan{exclude: anyTerm(q.None)}
	}
	return searchPlan{match: allClauses(q)}
}

// allClauses lists the incidents matching q: one tsquery of everything a
// tsquery can say, for the GIN index (each clause as its alternatives
// joined by |, each excluded word as !word), and beside it the exact test
// of each clause or exclusion the tsquery does not decide alone (phrases,
// words too long for a lexeme).
func allClauses(q search.Query) *condition {
	var index []string
	var where []condition
	for _, clause := range q.All {
		alternatives := make([]string, 0, len(clause))
		decided := true
		for _, t := range clause {
			query, exact := termOf(t).tsquery()
			decided = decided && exact
			if query == "" {
				alternatives = nil
				break
			}
			alternatives = append(alternatives, "("+query+")")
		}
		if alternatives != nil {
			index = append(index, "("+strings.Join(alternatives, " | ")+")")
		}
		if !decided || alternatives == nil {
			where = append(where, anyOf(clause))
		}
	}
	for _, t := range q.None {
		if query, exact := termOf(t).tsquery(); exact {
			index = append(index, "!"+query)
		} else {
			c := termOf(t).condition()
			where = append(where, condition{sql: "NOT " + c.sql, args: c.args})
		}
	}
	if len(index) > 0 {
		where = append([]condition{{sql: "s.document @@ CAST(? AS tsquery)", args: []any{strings.Join(index, " & ")}}}, where...)
	}
	return selectWhere(where)
}

// anyTerm lists the incidents holding any of terms.
func anyTerm(terms []search.Term) *condition {
	return selectWhere([]condition{anyOf(search.Clause(terms))})
}

// anyOf is the exact test that an incident holds one of the terms.
func anyOf(terms search.Clause) condition {
	var sql []string
	var args []any
	for _, t := range terms {
		c := termOf(t).condition()
		sql = append(sql, c.sql)
		args = append(args, c.args...)
	}
	return condition{sql: "(" + strings.Join(sql, " OR ") + ")", args: args}
}

// selectWhere is the query of the ids of incident_search rows meeting
// every condition.
func selectWhere(where []condition) *condition {
	sql := make([]string, len(where))
	var args []any
	for i, c := range where {
		sql[i] = c.sql
		args = append(args, c.args...)
	}
	return &condition{sql: "SELECT s.incident_id FROM incident_search s WHERE " + strings.Join(sql, " AND "), args: args}
}
