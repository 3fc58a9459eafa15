package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// AddComment appends to an incident's discussion.
func (s *Store) AddComment(ctx context.Context, c *incident.Comment) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *writeTx) error {
		c.CreatedAt = tx.now.Truncate(time.Second)
		row := commentRow{IncidentID: c.IncidentID, Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt.Unix()}
		err := tx.db.Create(&row).Error
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return incident.Errorf(incident.ENOTFOUND, "Incident %d does not exist.", c.IncidentID)
		} else if err != nil {
			return err
		}
		c.ID = row.ID
		return tx.recordChanges("comment.create", "comment", strconv.FormatInt(c.ID, 10), nil, c, "id", "created_at")
	})
}

// Comments returns an incident's discussion, oldest first.
func (s *Store) Comments(ctx context.Context, incidentID int64) ([]incident.Comment, error) {
	out := []incident.Comment{}
	err := s.Snapshot(ctx, func(sn *Snapshot) error {
		var n int64
		if err := sn.db.Model(&incidentRow{}).Where("id = ?", incidentID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return incident.Errorf(incident.ENOTFOUND, "Incident %d does not exist.", incidentID)
		}
		byIncident, err := sn.Comments([]int64{incidentID})
		if len(byIncident[incidentID]) > 0 {
			out = byIncident[incidentID]
		}
		return err
	})
	return out, err
}

func fromCommentRow(r commentRow) incident.Comment {
	return incident.Comment{ID: r.ID, IncidentID: r.IncidentID, Author: r.Author, Body: r.Body, CreatedAt: fromUnix(r.CreatedAt)}
}
