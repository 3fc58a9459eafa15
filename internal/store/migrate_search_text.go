package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// foldSearchText is migration 7: the search index holds text folded as
// queries are (indexText: incident.Fold for all but ASCII), where it used
// to hold the text as written. The entries of incidents whose searched
// text is all ASCII are already what indexText gives; the others are
// written again.
func foldSearchText(ctx context.Context, tx *sql.Tx) error {
	var ids []int64
	rows, err := tx.QueryContext(ctx, "SELECT id FROM incidents ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for chunk := range slices.Chunk(ids, batchRows) {
		incs, err := searchedTextOf(ctx, tx, chunk)
		if err != nil {
			return err
		}
		for _, inc := range incs {
			row := searchRow(inc)
			if !changedByFolding(inc, row) {
				continue
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM incidents_fts WHERE docid = ?", inc.ID); err != nil {
				return fmt.Errorf("fold search text: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO incidents_fts (docid, title, summary, description, causes, factors, gaps) VALUES (?, ?, ?, ?, ?, ?, ?)", row...); err != nil {
				return fmt.Errorf("fold search text: %w", err)
			}
		}
	}
	return nil
}

// unfoldSearchText is migration 7 undone: nothing. Folded entries serve
// the older code's queries too (the tokenizer folds ASCII and Latin
// accents itself), only without the foldings it never made.
func unfoldSearchText(context.Context, *sql.Tx) error { return nil }

// changedByFolding reports whether an incident's index row differs from
// the text as written.
func changedByFolding(inc *incident.Incident, row []any) bool {
	written := searchRowAsWritten(inc)
	for i := range row {
		if row[i] != written[i] {
			return true
		}
	}
	return false
}

// searchRowAsWritten is the row the index held before migration 7.
func searchRowAsWritten(inc *incident.Incident) []any {
	return []any{inc.ID, inc.Title, inc.Summary, inc.Description,
		joinNonEmpty(inc.PrimaryCause.Category, inc.PrimaryCause.Description, inc.PrimaryCause.Trigger),
		findingsText(inc.ContributingFactors), findingsText(inc.DetectionGaps)}
}

// searchedTextOf loads the searched fields of the given incidents.
func searchedTextOf(ctx context.Context, tx *sql.Tx, ids []int64) ([]*incident.Incident, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := "(?" + strings.Repeat(",?", len(ids)-1) + ")"
	byID := map[int64]*incident.Incident{}
	var out []*incident.Incident
	rows, err := tx.QueryContext(ctx, `SELECT i.id, i.title, i.cause_category, i.cause_description, i.cause_trigger,
		COALESCE(t.summary, ''), COALESCE(t.description, '')
		FROM incidents i LEFT JOIN incident_texts t ON t.incident_id = i.id WHERE i.id IN `+in+` ORDER BY i.id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		inc := &incident.Incident{}
		c := &inc.PrimaryCause
		if err := rows.Scan(&inc.ID, &inc.Title, &c.Category, &c.Description, &c.Trigger, &inc.Summary, &inc.Description); err != nil {
			rows.Close()
			return nil, err
		}
		byID[inc.ID] = inc
		out = append(out, inc)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, "SELECT incident_id, kind, category, description FROM findings WHERE incident_id IN "+in+" ORDER BY incident_id, kind, position", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		var f incident.Finding
		if err := rows.Scan(&id, &kind, &f.Category, &f.Description); err != nil {
			return nil, err
		}
		if kind == gapKind {
			byID[id].DetectionGaps = append(byID[id].DetectionGaps, f)
		} else {
			byID[id].ContributingFactors = append(byID[id].ContributingFactors, f)
		}
	}
	return out, rows.Err()
}
