package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// validateImportedComments checks comments read from an archive: each as
// a comment posted through the API, plus its time and its id, when given.
func validateImportedComments(comments []incident.Comment) error {
	var errs incident.FieldErrors
	for i := range comments {
		c := &comments[i]
		c.Normalize()
		if err := c.Validate(); err != nil {
			for field, msg := range err.(*incident.Error).Fields {
				errs.Add(fmt.Sprintf("comments[%d].%s", i, field), msg)
			}
		}
		if c.ID != 0 && !incident.ValidID(c.ID) {
			errs.Add(fmt.Sprintf("comments[%d].id", i), incident.IDRule)
		}
		if y := c.CreatedAt.UTC().Year(); c.CreatedAt.IsZero() || y < 0 || y > 9999 {
			errs.Add(fmt.Sprintf("comments[%d].created_at", i), "is required: an RFC 3339 time between the years 0000 and 9999")
		}
	}
	return errs.ErrAs(incident.EINVALID, "Some comments are not valid.")
}

// mergeImportedComments adds, in wtx, the comments of each imported
// incident that its discussion does not hold yet, records each in the
// audit log, and returns how many it added.
func mergeImportedComments(wtx *writeTx, b ImportBatch, r *ImportResult) (int, error) {
	tx := wtx.db
	byIncident := map[int64][]incident.Comment{}
	var ids []int64
	for i, comments := range b.Comments {
		inc := b.Incidents[i]
		switch {
		case len(comments) == 0, r.CommentErrors[i] != nil, inc.ID == 0:
			continue
		case r.Outcomes[i] == incident.ImportFailed, r.Outcomes[i] == incident.ImportConflict:
			continue
		}
		if _, seen := byIncident[inc.ID]; !seen {
			ids = append(ids, inc.ID)
		}
		byIncident[inc.ID] = append(byIncident[inc.ID], comments...)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	existing, err := (&Snapshot{db: tx}).Comments(ids)
	if err != nil {
		return 0, err
	}
	var rows []commentRow
	var wanted []int64 // ids the new comments bring
	for _, id := range ids {
		have := existing[id]
		for _, c := range byIncident[id] {
			c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Second)
			if slices.ContainsFunc(have, func(h incident.Comment) bool { return sameComment(h, c) }) {
				continue
			}
			have = append(have, c) // a comment twice in the batch is added once
			rows = append(rows, commentRow{ID: c.ID, IncidentID: id, Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt.Unix()})
			if c.ID != 0 {
				wanted = append(wanted, c.ID)
			}
		}
	}
	taken := map[int64]bool{}
	for chunk := range slices.Chunk(wanted, batchRows) {
		var used []int64
		if err := tx.Model(&commentRow{}).Where("id IN ?", chunk).Pluck("id", &used).Error; err != nil {
			return 0, err
		}
		for _, id := range used {
			taken[id] = true
		}
	}
	for i := range rows {
		if taken[rows[i].ID] {
			rows[i].ID = 0 // another comment has it: a new id
		} else if rows[i].ID != 0 {
			taken[rows[i].ID] = true
		}
	}
	// Rows with and without an id go in separate statements, so that every
	// row of a multi-row INSERT has the same columns.
	var withID, withoutID []commentRow
	for _, row := range rows {
		if row.ID != 0 {
			withID = append(withID, row)
		} else {
			withoutID = append(withoutID, row)
		}
	}
	if err := errors.Join(createRows(tx, withID), createRows(tx, withoutID)); err != nil {
		return 0, err
	}
	if len(withID) > 0 {
		highest := slices.MaxFunc(withID, func(a, b commentRow) int { return cmp.Compare(a.ID, b.ID) }).ID
		if err := wtx.engine.claimIDs(tx, "comments", highest); err != nil {
			return 0, err
		}
	}
	for _, row := range append(withID, withoutID...) {
		c := fromCommentRow(row)
		if err := wtx.recordChanges("comment.import", "comment", strconv.FormatInt(c.ID, 10), nil, &c, "id", "created_at"); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// sameComment reports whether two comments say the same thing: one from
// an archive that the discussion holds already.
func sameComment(a, b incident.Comment) bool {
	return a.Author == b.Author && a.Body == b.Body && a.CreatedAt.Unix() == b.CreatedAt.Unix()
}
