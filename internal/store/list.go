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
	"github.com/aftermath-sre/aftermath/internal/search"
)

// Page sizes for lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter narrows a list of incidents. Zero fields do not filter. Lists are
// ordered newest first by started_at (created_at when that is unknown),
// unless Sort says otherwise.
type Filter struct {
	Service  string // a name or key; matched by key
	Severity incident.Severity
	// Statuses keeps incidents in any of these statuses ("open" on the
	// pages is every status but resolved).
	Statuses         []incident.Status
	PostmortemStatus incident.PostmortemStatus
	OutageType       incident.OutageType
	CauseCategory    string
	Tag              string
	Query            string     // full text over title, summary, description, causes, factors, gaps
	Since            *time.Time // started_at at or after
	Until            *time.Time // started_at before
	Limit            int        // 0 means DefaultLimit; more than MaxLimit is refused
	Cursor           string     // from the previous page's NextCursor; it must come from the same Sort
	Sort             Sort       // "" means SortNewest
	// NoTotal leaves Page.Total at 0: for lists that do not show it,
	// where counting thousands of matches would be the bulk of the work.
	NoTotal bool
}

// Sort is the order of a list.
type Sort string

// The orders a list can take. Each walks an index, so a page costs the
// same however long the history.
const (
	SortNewest  Sort = "newest"  // started_at (or created_at) descending
	SortOldest  Sort = "oldest"  // started_at (or created_at) ascending
	SortUpdated Sort = "updated" // last changed first
)

// Sorts lists the orders, the default first.
var Sorts = []Sort{SortNewest, SortOldest, SortUpdated}

// order is how a Sort reads in SQL: the column it sorts on, the direction,
// and the cursor's prefix (none for newest, whose cursors predate sorts).
type order struct {
	column string
	desc   bool
	prefix string
}

func (s Sort) order() (order, error) {
	switch s {
	case "", SortNewest:
		return order{"sort_at", true, ""}, nil
	case SortOldest:
		return order{"sort_at", false, "o"}, nil
	case SortUpdated:
		return order{"updated_at", true, "u"}, nil
	}
	return order{}, &incident.Error{Code: incident.EMALFORMED, Message: "The sort order is not known.",
		Fields: map[string]string{"sort": incident.MustBeOneOf(Sorts)}}
}

// sql is the ORDER BY clause.
func (o order) sql() string {
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	return "incidents." + o.column + dir + ", incidents.id" + dir
}

// after is the condition for the rows after a cursor's position.
func (o order) after(at, id int64) (string, []any) {
	cmp := ">"
	if o.desc {
		cmp = "<"
	}
	col := "incidents." + o.column
	return "(" + col + " " + cmp + " ? OR (" + col + " = ? AND incidents.id " + cmp + " ?))", []any{at, at, id}
}

// key is a row's value of the sort column.
func (o order) key(r *incidentRow) int64 {
	if o.column == "updated_at" {
		return r.UpdatedAt
	}
	return r.SortAt
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
	if _, err := f.Sort.order(); err != nil {
		return nil, err
	}
	var page *Page
	err = s.read(ctx, func(tx *gorm.DB) error {
		page, err = listIncidents(tx, f, limit)
		return err
	})
	return page, err
}

// listIncidents reads one page and the total through db; ListIncidents
// gives it one snapshot, so that the total counts the page's incidents.
func listIncidents(db *gorm.DB, f Filter, limit int) (*Page, error) {
	ord, err := f.Sort.order()
	if err != nil {
		return nil, err
	}
	plan := f.plan()
	page := &Page{Items: []incident.Incident{}}
	if !f.NoTotal {
		if page.Total, err = plan.count(db); err != nil {
			return nil, err
		}
	}
	// Walking the sort order reads about limit × (all incidents) / total
	// rows before the page is full; looking up every match and sorting
	// them reads total rows. SQLite cannot tell which is fewer, but the
	// total says: many matches are probed while walking, few looked up.
	// One service's incidents are few enough to walk in any case.
	query := plan.apply(db.Model(&incidentRow{}), plan.byService || f.NoTotal || page.Total > probeAbove)
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor, ord.prefix)
		if err != nil {
			return nil, err
		}
		cond, args := ord.after(at, id)
		query = query.Where(cond, args...)
	}
	var rows []incidentRow
	err = withServiceName(query).
		Order(ord.sql()).
		Limit(limit + 1). // one more tells whether there is a next page
		Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = encodeCursor(ord.prefix, ord.key(&last), last.ID)
	}
	page.Items, err = hydrate(db, rows)
	return page, err
}

// probeAbove is the number of matches beyond which a list walks the sort
// order and probes the matching ids, rather than looking each match up.
const probeAbove = 1000

// filterPlan is a Filter as SQL conditions on incidents.
type filterPlan struct {
	columns []condition // on the incidents table's own columns
	// idSets are queries yielding the ids of matching incidents from
	// another table (tags, outage types, full text), each id once;
	// excluded yield ids that must not match (a search of only -words).
	idSets   []condition
	excluded []condition
	nothing  bool // no incident can match: a search with no words
	// byService: the conditions name one service, whose incidents an
	// index lists with the columns the other conditions test.
	byService bool
}

type condition struct {
	sql  string
	args []any
	// ranged marks a range on started_at: walking the sort order, it is
	// tested per row ("+"), as the id sets are, or SQLite drives the query
	// by incidents_started and sorts every match with its texts (28 ms for
	// the last 30 days of 100,000 incidents, against 2 ms walking).
	ranged bool
}

func (f Filter) plan() filterPlan {
	var p filterPlan
	column := func(sql string, arg any) { p.columns = append(p.columns, condition{sql: sql, args: []any{arg}}) }
	idSet := func(sql string, arg any) { p.idSets = append(p.idSets, condition{sql: sql, args: []any{arg}}) }
	if f.Service != "" {
		column("incidents.service_key = ?", incident.ServiceKey(f.Service))
		p.byService = true
	}
	if f.Severity != "" {
		column("incidents.severity = ?", f.Severity)
	}
	switch len(f.Statuses) {
	case 0:
	case 1:
		column("incidents.status = ?", f.Statuses[0])
	default:
		column("incidents.status IN ?", f.Statuses)
	}
	if f.PostmortemStatus != "" {
		column("incidents.postmortem_status = ?", f.PostmortemStatus)
	}
	if f.CauseCategory != "" {
		column("incidents.cause_category = ?", f.CauseCategory)
	}
	ranged := func(sql string, arg any) {
		p.columns = append(p.columns, condition{sql: sql, args: []any{arg}, ranged: true})
	}
	if f.Since != nil {
		ranged("incidents.started_at >= ?", f.Since.Unix())
	}
	if f.Until != nil {
		ranged("incidents.started_at < ?", f.Until.Unix())
	}
	if f.OutageType != "" {
		idSet("SELECT incident_id FROM incident_outage_types WHERE outage_type = ?", f.OutageType)
	}
	if f.Tag != "" {
		idSet("SELECT incident_id FROM incident_tags WHERE tag = ?", f.Tag)
	}
	if strings.TrimSpace(f.Query) != "" {
		q := search.Parse(f.Query)
		match, exclude := ftsQuery(q)
		switch {
		case q.Empty():
			p.nothing = true // no words: nothing can match
		case match != "":
			idSet(ftsMatch, match)
		default:
			p.excluded = append(p.excluded, condition{sql: ftsMatch, args: []any{exclude}})
		}
	}
	return p
}

// apply adds the conditions to a query on incidents. With probe, an id set
// is tested per row ("+" keeps SQLite from driving the query by it);
// without, the query starts from the set's ids.
func (p filterPlan) apply(q *gorm.DB, probe bool) *gorm.DB {
	if p.nothing {
		return q.Where("1 = 0")
	}
	for _, c := range p.columns {
		if probe && c.ranged {
			q = q.Where("+"+c.sql, c.args...)
			continue
		}
		q = q.Where(c.sql, c.args...)
	}
	in := "incidents.id IN (%s)"
	if probe {
		in = "+incidents.id IN (%s)"
	}
	for _, c := range p.idSets {
		q = q.Where(fmt.Sprintf(in, c.sql), c.args...)
	}
	for _, c := range p.excluded {
		q = q.Where("incidents.id NOT IN ("+c.sql+")", c.args...)
	}
	return q
}

// ftsMatch lists the ids of the incidents whose search entry matches.
const ftsMatch = "SELECT docid FROM incidents_fts WHERE incidents_fts MATCH ?"

// count counts the matching incidents. A lone id set is counted from its
// own table: every id in it is a stored incident (foreign keys, and the
// store keeps the search index in step), so no row need be looked up.
// Within one service, the service's index entries are counted, each id
// probed in the sets: a common word matches a large share of all
// incidents, but one service holds a small share of them.
func (p filterPlan) count(db *gorm.DB) (int64, error) {
	var n int64
	switch {
	case p.nothing:
		return 0, nil
	case len(p.columns) == 0 && len(p.idSets) == 1 && len(p.excluded) == 0:
		c := p.idSets[0]
		err := db.Raw("SELECT count(*) FROM ("+c.sql+")", c.args...).Scan(&n).Error
		return n, err
	}
	err := p.apply(db.Model(&incidentRow{}), p.byService).Count(&n).Error
	return n, err
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

// A cursor is the sort position of the last item served, opaque to
// clients: the sort's prefix (none for newest first), the sort column's
// value and the id.
func encodeCursor(prefix string, at, id int64) string {
	pos := strconv.FormatInt(at, 10) + ":" + strconv.FormatInt(id, 10)
	if prefix != "" {
		pos = prefix + ":" + pos
	}
	return base64.RawURLEncoding.EncodeToString([]byte(pos))
}

func decodeCursor(cursor, prefix string) (at, id int64, err error) {
	bad := &incident.Error{Code: incident.EMALFORMED, Message: "The cursor is not valid.",
		Fields: map[string]string{"cursor": "must be a next_cursor value from a previous page of the same sort"}}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, 0, bad
	}
	pos := string(raw)
	if prefix != "" {
		var ok bool
		if pos, ok = strings.CutPrefix(pos, prefix+":"); !ok {
			return 0, 0, bad
		}
	}
	a, b, ok := strings.Cut(pos, ":")
	if !ok {
		return 0, 0, bad
	}
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, bad
	}
	return at, id, nil
}
