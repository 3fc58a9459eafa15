package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Page sizes for lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter narrows a list of incidents. Zero fields do not filter. Lists are
// ordered newest first by started_at (created_at when that is unknown).
type Filter struct {
	Service       string // a name or key; matched by key
	Severity      incident.Severity
	Status        incident.Status
	OutageType    incident.OutageType
	CauseCategory string
	Tag           string
	Query         string     // full text over title, summary, description, causes, factors, gaps
	Since         *time.Time // started_at at or after
	Until         *time.Time // started_at before
	Limit         int        // 0 means DefaultLimit; more than MaxLimit is refused
	Cursor        string     // from the previous page's NextCursor
}

// Page is one page of a list.
type Page struct {
	Items      []incident.Incident `json:"items"`
	NextCursor string              `json:"next_cursor"`
	Total      int64               `json:"total"`
}

// ListIncidents returns one page of the incidents matching f, and how many
// match in all.
func (s *Store) ListIncidents(ctx context.Context, f Filter) (*Page, error) {
	limit, err := checkLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	db := s.reader.WithContext(ctx)
	query, err := f.apply(db.Model(&incidentRow{}))
	if err != nil {
		return nil, err
	}
	page := &Page{Items: []incident.Incident{}}
	if err := query.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return nil, err
	}
	if f.Cursor != "" {
		sortAt, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		query = query.Where("(incidents.sort_at < ? OR (incidents.sort_at = ? AND incidents.id < ?))", sortAt, sortAt, id)
	}
	var rows []incidentRow
	err = withServiceName(query).
		Order("incidents.sort_at DESC, incidents.id DESC").
		Limit(limit + 1). // one more tells whether there is a next page
		Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = encodeCursor(last.SortAt, last.ID)
	}
	page.Items, err = s.hydrate(ctx, rows)
	return page, err
}

// apply adds the filter's conditions (not the cursor) to a query on incidents.
func (f Filter) apply(q *gorm.DB) (*gorm.DB, error) {
	if f.Service != "" {
		q = q.Where("incidents.service_key = ?", incident.ServiceKey(f.Service))
	}
	if f.Severity != "" {
		q = q.Where("incidents.severity = ?", f.Severity)
	}
	if f.Status != "" {
		q = q.Where("incidents.status = ?", f.Status)
	}
	if f.CauseCategory != "" {
		q = q.Where("incidents.cause_category = ?", f.CauseCategory)
	}
	if f.OutageType != "" {
		q = q.Where("incidents.id IN (SELECT incident_id FROM incident_outage_types WHERE outage_type = ?)", f.OutageType)
	}
	if f.Tag != "" {
		q = q.Where("incidents.id IN (SELECT incident_id FROM incident_tags WHERE tag = ?)", f.Tag)
	}
	if f.Since != nil {
		q = q.Where("incidents.started_at >= ?", f.Since.Unix())
	}
	if f.Until != nil {
		q = q.Where("incidents.started_at < ?", f.Until.Unix())
	}
	if strings.TrimSpace(f.Query) != "" {
		match := matchQuery(f.Query)
		if match == "" {
			return q.Where("1 = 0"), nil // nothing searchable was typed: nothing matches
		}
		q = q.Where("incidents.id IN (SELECT docid FROM incidents_fts WHERE incidents_fts MATCH ?)", match)
	}
	return q, nil
}

func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, &incident.Error{Code: incident.EMALFORMED, Message: "The limit is out of range.",
			Fields: map[string]string{"limit": fmt.Sprintf("must be between 1 and %d", MaxLimit)}}
	}
	return limit, nil
}

// A cursor is the sort position of the last item served, opaque to clients.
func encodeCursor(sortAt, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(sortAt, 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(cursor string) (sortAt, id int64, err error) {
	bad := &incident.Error{Code: incident.EMALFORMED, Message: "The cursor is not valid.",
		Fields: map[string]string{"cursor": "must be a next_cursor value from a previous page"}}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, 0, bad
	}
	a, b, ok := strings.Cut(string(raw), ":")
	if !ok {
		return 0, 0, bad
	}
	sortAt, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, bad
	}
	return sortAt, id, nil
}
