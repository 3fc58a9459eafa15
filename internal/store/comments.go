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
		if err := tx.recordChanges("comment.create", "comment", strconv.FormatInt(c.ID, 10), nil, c, "id", "created_at"); err != nil {
			return err
		}
		return emitComment(tx, c)
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

// emitComment emits comment.created with a reference to the incident.
func emitComment(tx *writeTx, c *incident.Comment) error {
	ref, err := incidentRef(tx.db, c.IncidentID)
	if err != nil {
		return err
	}
	return tx.emit(incident.Event{Type: incident.EventCommentCreated, Data: incident.EventData{Ref: ref, Comment: c}})
}

// incidentRef reads an incident's brief reference, for events about its
// parts.
func incidentRef(db *gorm.DB, id int64) (*incident.IncidentRef, error) {
	var row incidentRow
	if err := withServiceName(db).Where("incidents.id = ?", id).Take(&row).Error; err != nil {
		return nil, err
	}
	return &incident.IncidentRef{ID: row.ID, Title: row.Title, Service: row.ServiceName, ServiceKey: row.ServiceKey,
		Severity: incident.Severity(row.Severity), Status: incident.Status(row.Status)}, nil
}
