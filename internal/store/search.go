package store

import (
	"strings"
	"unicode"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
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
			args = append(args, inc.ID, inc.Title, inc.Summary, inc.Description,
				joinNonEmpty(inc.PrimaryCause.Category, inc.PrimaryCause.Description, inc.PrimaryCause.Trigger),
				findingsText(inc.ContributingFactors), findingsText(inc.DetectionGaps))
		}
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

func findingsText(list []incident.Finding) string {
	parts := make([]string, 0, 2*len(list))
	for _, f := range list {
		parts = append(parts, f.Category, f.Description)
	}
	return joinNonEmpty(parts...)
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p)
	}
	return b.String()
}

// matchQuery turns what a person typed into an FTS4 MATCH expression: every
// word must appear, the last may be a prefix ("connect" finds
// "connection"). Only letters and digits pass, lowercased, so no input can
// form FTS operators (OR, NEAR, quotes, column filters) or a syntax error.
// It returns "" when the text has no words.
func matchQuery(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return ""
	}
	if len(words) > 16 {
		words = words[:16]
	}
	return strings.Join(words, " ") + "*"
}
