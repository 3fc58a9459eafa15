package store

import (
	"slices"
	"strings"
	"unicode"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Full-text search on PostgreSQL. The words of an incident are split and
// folded here, in Go, by the same rule on both sides (searchWords), not by
// a text-search configuration: PostgreSQL's parser splits "api.example.com"
// and "v1.2" in ways SQLite's tokenizer does not, and unaccent may not be
// installed. incident_search holds, per incident, the distinct words as a
// tsvector for the GIN index, and the words in order as text, on which a
// phrase is a substring (see migrations/postgres/00001_schema.sql).

// maxLexeme is the longest word a tsvector holds, in bytes (PostgreSQL's
// limit is 2,047). A longer one is left out of the tsvector, kept in the
// words, and found by substring alone.
const maxLexeme = 2047

// searchRow is an incident's searched fields, as indexForSearch gives
// them to SQLite's FTS4: title, summary, description, causes, factors,
// gaps.
func searchedFields(inc *incident.Incident) [6]string {
	return [6]string{inc.Title, inc.Summary, inc.Description,
		joinNonEmpty(inc.PrimaryCause.Category, inc.PrimaryCause.Description, inc.PrimaryCause.Trigger),
		findingsText(inc.ContributingFactors), findingsText(inc.DetectionGaps)}
}

// indexForPostgresSearch writes the search entries of incidents whose ids
// are set. Callers delete stale entries first.
func indexForPostgresSearch(tx *gorm.DB, incs []*incident.Incident) error {
	for chunk := range slices.Chunk(incs, batchRows) {
		var sql strings.Builder
		sql.WriteString("INSERT INTO incident_search (incident_id, document, words) VALUES ")
		args := make([]any, 0, 3*len(chunk))
		for i, inc := range chunk {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(?, CAST(? AS tsvector), ?)")
			document, words := searchEntry(inc)
			args = append(args, inc.ID, document, words)
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
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
		for _, word := range searchWords(field) {
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

// searchWords splits text into the words search compares: runs of
// letters, digits and private-use characters of its folded form.
func searchWords(text string) []string {
	return strings.FieldsFunc(incident.Fold(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r)
	})
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

// pattern is the substring of incident_search.words that holds the term:
// its words with a space before each and after the last, unless the last
// is a prefix.
func (t pgTerm) pattern() string {
	p := " " + strings.Join(t.words, " ")
	if !t.prefix {
		p += " "
	}
	return p
}

// postgresSearch is what people type as a condition on incidents: every
// word must appear, the last may be the start of one ("connect" finds
// "connection"), as SQLite's matchQuery reads it.
func postgresSearch(typed string) searchPlan {
	words := searchWords(typed)
	if len(words) == 0 {
		return searchPlan{nothing: true}
	}
	if len(words) > 16 {
		words = words[:16]
	}
	terms := make([]pgTerm, len(words))
	for i, w := range words {
		terms[i] = pgTerm{words: []string{w}, prefix: i == len(words)-1}
	}
	return searchPlan{match: allTerms(terms)}
}

// allTerms lists the incidents holding every one of terms: one tsquery of
// them all for the GIN index, and a substring test for each term the
// tsquery does not decide alone.
func allTerms(terms []pgTerm) *condition {
	var queries, where []string
	var args []any
	var confirm []condition
	for _, t := range terms {
		query, exact := t.tsquery()
		if query != "" {
			queries = append(queries, "("+query+")")
		}
		if !exact {
			confirm = append(confirm, condition{"strpos(s.words, ?) > 0", []any{t.pattern()}})
		}
	}
	if len(queries) > 0 {
		where = append(where, "s.document @@ CAST(? AS tsquery)")
		args = append(args, strings.Join(queries, " & "))
	}
	for _, c := range confirm {
		where = append(where, c.sql)
		args = append(args, c.args...)
	}
	return &condition{"SELECT s.incident_id FROM incident_search s WHERE " + strings.Join(where, " AND "), args}
}
