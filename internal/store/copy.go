package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// copiedTables are every table of the schema, parents before children, as
// Copy moves them. The search index is not among them: each engine keeps
// its own (incidents_fts; incident_search and incident_search_words), and
// Copy rebuilds it on the target. audit_head is copied by updating the
// target's one row. A table added to the schema must be added here:
// TestCopyListsEveryTable fails until it is.
var copiedTables = []copiedTable{
	{"services", "key"},
	{"service_dependencies", "service_key, depends_on_key"},
	{"service_industries", "service_key, position"},
	{"failure_modes", "service_key, slug"},
	{"failure_mode_history", "service_key, slug, position"},
	{"categories", "kind, slug"},
	{"incidents", "id"},
	{"incident_texts", "incident_id"},
	{"incident_outage_types", "incident_id, outage_type"},
	{"incident_tags", "incident_id, position"},
	{"affected_dependents", "incident_id, position"},
	{"findings", "incident_id, kind, position"},
	{"action_items", "incident_id, position"},
	{"timeline_entries", "incident_id, position"},
	{"links", "incident_id, position"},
	{"incident_failure_modes", "incident_id, position"},
	{"comments", "id"},
	{"similarity_keys", "key, incident_id"},
	{"settings", "name"},
	{"users", "id"},
	{"api_tokens", "id"},
	{"sessions", "token_hash"},
	{"login_failures", "key"},
	{"audit_log", "seq"},
	{"alert_groups", "group_key"},
	{"incident_alerts", "incident_id, fingerprint"},
	{"action_item_reminders", "incident_id, item"},
	{"webhooks", "id"},
	{"outbox_events", "id"},
	{"webhook_deliveries", "id"},
}

// notCopied are the tables Copy leaves alone: the engines' own search
// indexes and bookkeeping (migrations, SQLite's id counters and planner
// statistics), and the audit head (copied as an update).
var notCopied = []string{"audit_head", "goose_db_version", "incident_search", "incident_search_words", "sqlite_sequence", "sqlite_stat1"}

// seededTables are filled by opening a database (the default
// vocabularies, the similarity scheme); Copy replaces what they hold.
var seededTables = []string{"categories", "settings"}

// identityTables hand out ids; Copy moves them past the ids it wrote.
var identityTables = []string{"incidents", "comments", "users", "webhooks", "outbox_events", "webhook_deliveries"}

type copiedTable struct {
	name  string
	order string // the primary key, so that batches resume where the last ended
}

// copyBatch is how many rows Copy reads and writes at a time.
const copyBatch = 2000

// CopyProgress is told how far Copy has come: the table, the rows copied
// of it so far, and how many it has.
type CopyProgress func(table string, done, total int64)

// Copy copies every row of the database from into to, which must be empty
// (no incident, service, account, comment or audit entry; what opening it
// seeded, seededTables, is replaced by from's), and builds to's search
// index. It
// reads one snapshot of from, so a server may keep writing to it; what
// commits after the copy began is not copied. The whole copy is one
// transaction on to: it is all there, or none of it.
func Copy(ctx context.Context, from, to *Store, progress CopyProgress) error {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	if err := to.mustBeEmpty(ctx); err != nil {
		return err
	}
	// The copy is one transaction on to, in which one read transaction of
	// from is nested: from's snapshot is read whole, then to's sequences
	// and search index are brought up to date, and to commits.
	return to.write(ctx, func(wtx *writeTx) error {
		dst := wtx.db
		for _, table := range identityTables {
			if err := wtx.engine.lockIDs(dst, table, 1); err != nil {
				return err
			}
		}
		for _, table := range seededTables {
			if err := dst.Exec("DELETE FROM " + table).Error; err != nil {
				return err
			}
		}
		var incidents int64
		err := from.read(ctx, func(src *gorm.DB) error {
			for _, t := range copiedTables {
				var total int64
				if err := src.Table(t.name).Count(&total).Error; err != nil {
					return err
				}
				if t.name == "incidents" {
					incidents = total
				}
				if err := copyTable(src, dst, t, total, progress); err != nil {
					return fmt.Errorf("copy %s: %w", t.name, err)
				}
			}
			return copyAuditHead(src, dst)
		})
		if err != nil {
			return err
		}
		for _, table := range identityTables {
			var highest int64
			if err := dst.Table(table).Select("COALESCE(MAX(id), 0)").Scan(&highest).Error; err != nil {
				return err
			}
			if highest > 0 {
				if err := wtx.engine.claimIDs(dst, table, highest); err != nil {
					return err
				}
			}
		}
		return reindexAll(wtx, incidents, progress)
	})
}

// mustBeEmpty refuses a database that holds anything a person made.
func (s *Store) mustBeEmpty(ctx context.Context) error {
	for _, t := range copiedTables {
		if slices.Contains(seededTables, t.name) {
			continue
		}
		var n int64
		if err := s.reader.WithContext(ctx).Table(t.name).Count(&n).Error; err != nil {
			return translate(err)
		}
		if n > 0 {
			return incident.Errorf(incident.EINVALID,
				"The target database is not empty: its table %s has %d rows. Copy into a new, empty database.", t.name, n)
		}
	}
	return nil
}

// copyTable streams one table in primary-key order and writes it a batch
// at a time.
func copyTable(src, dst *gorm.DB, t copiedTable, total int64, progress CopyProgress) error {
	progress(t.name, 0, total)
	rows, err := src.Table(t.name).Order(t.order).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return err
	}
	var batch [][]any
	var done int64
	flush := func() error {
		if err := insertValues(dst, t.name, columns, batch); err != nil {
			return err
		}
		done += int64(len(batch))
		batch = batch[:0]
		progress(t.name, done, total)
		return nil
	}
	for rows.Next() {
		values := make([]any, len(columns))
		dest := make([]any, len(columns))
		for i := range values {
			dest[i] = &values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		batch = append(batch, values)
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

// insertValues inserts rows of values into table, as many a statement as
// SQLite's limit on bound values allows.
func insertValues(dst *gorm.DB, table string, columns []string, values [][]any) error {
	perStatement := max(1, 30000/len(columns))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	for chunk := range slices.Chunk(values, perStatement) {
		var sql strings.Builder
		sql.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(columns))
		for i, v := range chunk {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString(row)
			for _, value := range v {
				if b, ok := value.([]byte); ok {
					value = bytesValue(b) // GORM would spread a bare []byte into a list
				}
				args = append(args, value)
			}
		}
		if err := dst.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// bytesValue binds bytes as one value (BLOB, BYTEA).
type bytesValue []byte

func (b bytesValue) Value() (driver.Value, error) { return []byte(b), nil }

func copyAuditHead(src, dst *gorm.DB) error {
	var head auditHeadRow
	if err := src.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return err
	}
	return dst.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash).Error
}

// reindexAll builds the search index of every incident written in wtx.
func reindexAll(wtx *writeTx, total int64, progress CopyProgress) error {
	progress("search index", 0, total)
	var last, done int64
	for {
		var rows []incidentRow
		if err := withServiceName(wtx.db).Where("incidents.id > ?", last).Order("incidents.id").Limit(copyBatch).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		incs, err := hydrate(wtx.db, rows)
		if err != nil {
			return err
		}
		ptrs := make([]*incident.Incident, len(incs))
		for i := range incs {
			ptrs[i] = &incs[i]
		}
		if err := wtx.engine.index(wtx.db, ptrs); err != nil {
			return err
		}
		last = rows[len(rows)-1].ID
		done += int64(len(rows))
		progress("search index", done, total)
	}
}
