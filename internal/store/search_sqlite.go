package store

import (
	"strings"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
)

// ftsColumns is how many values one incidents_fts row binds.
const ftsColumns = 7

// indexForSearch writes the full-text entries of incidents whose ids are
// set. Callers delete stale entries first.
func indexForSearch(tx *gorm.DB, incs []*incident.Incident) error {
	const perStatement = batchRows
	for start := 0; start < len(incs); start += perStatement {
		chunk := incs[start:min(start+perStatement, len(incs))]
		var sql strings.Builder
		sql.WriteString("INSERT INTO incidents_fts (docid, title, summary, description, causes, factors, gaps) VALUES ")
		args := make([]any, 0, len(chunk)*ftsColumns)
		for i, inc := range chunk {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, searchRow(inc)...)
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// searchRow is an incident's row of incidents_fts: its docid, then each
// column's text.
func searchRow(inc *incident.Incident) []any {
	row := []any{inc.ID}
	for _, field := range searchedFields(inc) {
		row = append(row, indexText(field))
	}
	return row
}

// ftsQuery renders a search as FTS4 MATCH expressions, in the enhanced
// query syntax that mattn/go-sqlite3 compiles in (AND, OR, binary NOT,
// parentheses): match is what an incident must match, with the exclusions
// as NOT; when nothing must match, match is "" and exclude is what an
// incident must not match (FTS cannot list the documents that lack a word,
// so the caller excludes those that have it). Every term is a quoted
// phrase of folded words, which hold letters and digits only, so no input
// can form another operator, a column filter or a syntax error.
func ftsQuery(q search.Query) (match, exclude string) {
	clauses := make([]string, len(q.All))
	for i, c := range q.All {
		alternatives := make([]string, len(c))
		for j, t := range c {
			alternatives[j] = ftsTerm(t)
		}
		clauses[i] = strings.Join(alternatives, " OR ")
		if len(c) > 1 {
			clauses[i] = "(" + clauses[i] + ")"
		}
	}
	excluded := make([]string, len(q.None))
	for i, t := range q.None {
		excluded[i] = ftsTerm(t)
	}
	if len(clauses) == 0 {
		return "", strings.Join(excluded, " OR ")
	}
	match = strings.Join(clauses, " AND ")
	for _, e := range excluded {
		match += " NOT " + e
	}
	return match, ""
}

// ftsTerm is a term as a quoted FTS phrase; a prefix ends in "*".
func ftsTerm(t search.Term) string {
	phrase := strings.Join(t.Words, " ")
	if t.Prefix {
		phrase += "*"
	}
	return `"` + phrase + `"`
}

// indexText is the text the index is given: folded as queries are
// (incident.Fold), so that case, accents and compatibility forms never
// keep a word from being found. ASCII is given as it is: the unicode61
// tokenizer lowercases it just as Fold would, and it is nearly all of
// what is indexed.
func indexText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return incident.Fold(s)
		}
	}
	return s
}

// ftsMatch lists the ids of the incidents whose search entry matches.
const ftsMatch = "SELECT docid FROM incidents_fts WHERE incidents_fts MATCH ?"
