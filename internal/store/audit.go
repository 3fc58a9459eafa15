package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The audit log is written by writeTx, in the transaction of the change it
// records (see write). Its schema and the chain are described in
// migrations/sqlite/00006_audit.sql.

type auditRow struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	At         int64
	ActorKind  string
	ActorName  string
	TokenID    string
	TokenLabel string
	Address    string
	Action     string
	Entity     string
	EntityID   string
	Changes    string
	PrevHash   []byte
	Hash       []byte
}

func (auditRow) TableName() string { return "audit_log" }

type auditHeadRow struct {
	Seq  int64
	Hash []byte
}

// pendingAudit is an entry a write has recorded, appended at its commit.
type pendingAudit struct {
	actor                    incident.Actor
	action, entity, entityID string
	changes                  []incident.FieldChange
}

// record adds an audit entry to the transaction: action on entity (its
// kind and id) with the changes of its fields.
func (tx *writeTx) record(action, entity, entityID string, changes []incident.FieldChange) {
	tx.audit = append(tx.audit, pendingAudit{actor: tx.actor, action: action, entity: entity, entityID: entityID, changes: changes})
}

// recordChanges records the changes between before and after (either nil)
// of a value that encodes as a JSON object.
func (tx *writeTx) recordChanges(action, entity, entityID string, before, after any, skip ...string) error {
	changes, err := incident.Changes(before, after, skip...)
	if err != nil {
		return err
	}
	tx.record(action, entity, entityID, changes)
	return nil
}

// appendAudit chains the transaction's entries onto the log. It reads the
// head with an UPDATE, not a SELECT: on PostgreSQL the UPDATE locks the
// head row until the commit, so that two writers cannot both append after
// the same entry; SQLite has one writer anyway. RETURNING is in both.
func (tx *writeTx) appendAudit() error {
	if len(tx.audit) == 0 {
		return nil
	}
	var head auditHeadRow
	if err := tx.db.Raw("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash").Scan(&head).Error; err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	rows := make([]auditRow, len(tx.audit))
	for i, e := range tx.audit {
		changes := e.changes
		if changes == nil {
			changes = []incident.FieldChange{}
		}
		encoded, err := json.Marshal(changes)
		if err != nil {
			return err
		}
		head.Seq++
		row := auditRow{Seq: head.Seq, At: tx.unix(), ActorKind: string(e.actor.Kind), ActorName: e.actor.Name,
			TokenID: e.actor.TokenID, TokenLabel: e.actor.TokenLabel, Address: e.actor.Address,
			Action: e.action, Entity: e.entity, EntityID: e.entityID, Changes: string(encoded), PrevHash: head.Hash}
		row.Hash = row.chainHash()
		head.Hash = row.Hash
		rows[i] = row
	}
	if err := createRows(tx.db, rows); err != nil {
		return err
	}
	tx.audit = nil
	return tx.db.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash).Error
}

// chainHash is SHA-256 over the previous hash and the canonical encoding
// of the entry: a JSON array of its columns in a fixed order (changes as
// the text stored), which encodes the same way in any version of Go.
func (r *auditRow) chainHash() []byte {
	canonical, _ := json.Marshal([]any{r.Seq, r.At, r.ActorKind, r.ActorName, r.TokenID, r.TokenLabel,
		r.Address, r.Action, r.Entity, r.EntityID, r.Changes})
	h := sha256.New()
	h.Write(r.PrevHash)
	h.Write(canonical)
	return h.Sum(nil)
}

func (r *auditRow) entry() (incident.AuditEntry, error) {
	e := incident.AuditEntry{Seq: r.Seq, At: fromUnix(r.At), Action: r.Action, Entity: r.Entity, EntityID: r.EntityID,
		Actor: incident.Actor{Kind: incident.ActorKind(r.ActorKind), Name: r.ActorName, TokenID: r.TokenID,
			TokenLabel: r.TokenLabel, Address: r.Address},
		Hash: hex.EncodeToString(r.Hash)}
	if err := json.Unmarshal([]byte(r.Changes), &e.Changes); err != nil {
		return e, fmt.Errorf("audit entry %d: %w", r.Seq, err)
	}
	return e, nil
}

// Audit lists audit entries, newest first, by f.
func (s *Store) Audit(ctx context.Context, f incident.AuditFilter) (*incident.AuditPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q := s.reader.WithContext(ctx).Model(&auditRow{}).Order("seq DESC").Limit(limit + 1)
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	if f.Actor != "" {
		q = q.Where("actor_name = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Entity != "" {
		kind, id, hasID := strings.Cut(f.Entity, "/")
		q = q.Where("entity = ?", kind)
		if hasID {
			q = q.Where("entity_id = ?", id)
		}
	}
	if f.Since != nil {
		q = q.Where("at >= ?", f.Since.Unix())
	}
	if f.Until != nil {
		q = q.Where("at < ?", f.Until.Unix())
	}
	var rows []auditRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	page := &incident.AuditPage{Items: []incident.AuditEntry{}}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = strconv.FormatInt(rows[limit-1].Seq, 10)
	}
	for i := range rows {
		e, err := rows[i].entry()
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

// verifyBatch is how many entries VerifyAudit reads at once.
const verifyBatch = 1000

// VerifyAudit walks the audit log in order and recomputes its hash chain.
// It stops at the first entry that was edited (its hash does not match
// its content), removed (a gap in the numbers, or a head that says the log
// goes on), or moved (its previous hash is not the hash of the entry
// before it).
func (s *Store) VerifyAudit(ctx context.Context) (incident.AuditCheck, error) {
	var check incident.AuditCheck
	var head auditHeadRow
	if err := s.reader.WithContext(ctx).Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return check, err
	}
	prev := make([]byte, sha256.Size)
	var last int64
	fail := func(seq int64, format string, args ...any) (incident.AuditCheck, error) {
		check.BadSeq, check.Problem = seq, fmt.Sprintf(format, args...)
		return check, nil
	}
	for {
		var rows []auditRow
		if err := s.reader.WithContext(ctx).Where("seq > ?", last).Order("seq").Limit(verifyBatch).Find(&rows).Error; err != nil {
			return check, err
		}
		for i := range rows {
			r := &rows[i]
			switch {
			case r.Seq != last+1:
				return fail(last+1, "entry %d is missing: the log goes from entry %d to entry %d", last+1, last, r.Seq)
			case !bytes.Equal(r.PrevHash, prev):
				return fail(r.Seq, "entry %d (%s) does not follow entry %d: entries were removed, inserted or reordered before it", r.Seq, r.describe(), last)
			case !bytes.Equal(r.chainHash(), r.Hash):
				return fail(r.Seq, "entry %d (%s) was changed: its content does not match its hash", r.Seq, r.describe())
			}
			prev, last = r.Hash, r.Seq
			check.Entries++
		}
		if len(rows) < verifyBatch {
			break
		}
	}
	switch {
	case head.Seq > last:
		return fail(last+1, "entry %d is missing: the log ends at entry %d but its head says %d", last+1, last, head.Seq)
	case head.Seq < last || !bytes.Equal(head.Hash, prev):
		return fail(last, "the log's head does not match entry %d: the log or its head was rewritten", last)
	}
	check.Head = hex.EncodeToString(prev)
	return check, nil
}

func (r *auditRow) describe() string {
	who := r.ActorName
	if who == "" {
		who = r.ActorKind
	}
	what := r.Entity
	if r.EntityID != "" {
		what += " " + r.EntityID
	}
	return fmt.Sprintf("%s of %s by %s at %s", r.Action, what, who, fromUnix(r.At).Format("2006-01-02T15:04:05Z"))
}
