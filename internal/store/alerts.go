package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Alert notifications come in storms: Alertmanager re-sends every group at
// each group interval, from several instances in a cluster, and an outage
// fires many groups at once. Each is applied in the order it came, but
// many at a time: the notifications that arrive while one transaction
// commits are applied together in the next (see alertBatcher), so a burst
// costs a few commits rather than one each.

type alertGroupRow struct {
	GroupKey    string `gorm:"primaryKey"`
	IncidentID  *int64
	MitigatedAt *int64
	UpdatedAt   int64 `gorm:"autoUpdateTime:false"`
}

func (alertGroupRow) TableName() string { return "alert_groups" }

type incidentAlertRow struct {
	IncidentID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Fingerprint string `gorm:"primaryKey"`
	StartsAt    int64
	Firing      bool
}

func (incidentAlertRow) TableName() string { return "incident_alerts" }

// ReceiveAlerts applies an alert notification: it opens the group's
// incident or adds to its timeline, as incident.AlertGroup.Apply decides,
// with the audit entries and webhook events of what changed. It returns
// once the change is committed (or nothing needed to change).
func (s *Store) ReceiveAlerts(ctx context.Context, n *incident.AlertNotification) error {
	return s.alerts.submit(ctx, n)
}

// alertBatch is the most notifications one transaction applies.
const alertBatch = 128

type alertRequest struct {
	ctx  context.Context
	note *incident.AlertNotification
	done chan error
}

// alertBatcher queues notifications for one goroutine, which applies
// whatever has queued in one transaction, then answers each.
type alertBatcher struct {
	store   *Store
	queue   chan *alertRequest
	stopped chan struct{}
	closing chan struct{}
	once    sync.Once
}

func newAlertBatcher(s *Store) *alertBatcher {
	b := &alertBatcher{store: s, queue: make(chan *alertRequest, alertBatch),
		stopped: make(chan struct{}), closing: make(chan struct{})}
	go b.run()
	return b
}

func (b *alertBatcher) submit(ctx context.Context, n *incident.AlertNotification) error {
	req := &alertRequest{ctx: ctx, note: n, done: make(chan error, 1)}
	select {
	case b.queue <- req:
	case <-b.closing:
		return errors.New("the store is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, a notification is answered: applied, or failed at close.
	return <-req.done
}

// close stops taking notifications and waits for those queued.
func (b *alertBatcher) close() {
	b.once.Do(func() { close(b.closing) })
	<-b.stopped
}

func (b *alertBatcher) run() {
	defer close(b.stopped)
	for {
		var first *alertRequest
		select {
		case first = <-b.queue:
		case <-b.closing:
			// Answer what slipped in before the close.
			for {
				select {
				case req := <-b.queue:
					b.store.applyAlerts([]*alertRequest{req})
				default:
					return
				}
			}
		}
		batch := []*alertRequest{first}
	more:
		for len(batch) < alertBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break more
			}
		}
		b.store.applyAlerts(batch)
	}
}

// applyAlerts applies a batch in one transaction, each notification in a
// savepoint of its own, so that one that fails (it should not) fails
// alone. Every notification is answered after the commit.
func (s *Store) applyAlerts(batch []*alertRequest) {
	errs := make([]error, len(batch))
	vocab, err := s.Vocabulary(context.Background())
	// A batch that lost a deadlock to another instance's write (a person's
	// edit of several incidents, say) is applied again; its notifications
	// are answered only once it committed.
	for attempt := 1; err == nil || retryable(err) && attempt <= 3; attempt++ {
		clear(errs)
		err = s.write(context.Background(), func(tx *writeTx) error {
			if err := lockAlertGroups(tx, batch); err != nil {
				return err
			}
			groups := map[string]*alertGroupState{}
			for i, req := range batch {
				if req.ctx.Err() != nil {
					errs[i] = req.ctx.Err()
					continue
				}
				errs[i] = applyInSavepoint(tx, i, func() error {
					return applyAlert(tx, groups, req, vocab)
				})
				if errs[i] != nil {
					delete(groups, req.note.GroupKey) // its state may be half applied
				}
			}
			return nil
		})
		if err == nil {
			break
		}
	}
	for i, req := range batch {
		if err != nil {
			errs[i] = err
		}
		req.done <- errs[i]
	}
}

// lockAlertGroups takes, before anything else in the batch, the locks its
// notifications need on PostgreSQL: the row of each group, in the order of
// their keys, and then the rows of their incidents, in id order (the order
// every other write locks incidents in). Taken in one order by every
// instance, they cannot deadlock; taken first, no two instances apply one
// group's notifications at once. A group seen for the first time gets its
// row now, empty (INSERT … ON CONFLICT DO NOTHING waits for another
// instance inserting the same key, then finds the row): so two instances
// never both open an incident for one new group. On SQLite, whose one
// writer applies one batch at a time, the same statements only cost a
// moment.
func lockAlertGroups(tx *writeTx, batch []*alertRequest) error {
	var keys []string
	for _, req := range batch {
		if req.ctx.Err() == nil {
			keys = append(keys, req.note.GroupKey)
		}
	}
	slices.Sort(keys)
	var incidents []int64
	for _, key := range slices.Compact(keys) {
		err := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&alertGroupRow{GroupKey: key, UpdatedAt: tx.unix()}).Error
		if err != nil {
			return err
		}
		var row alertGroupRow
		if err := forUpdate(tx.db).Where("group_key = ?", key).Take(&row).Error; err != nil {
			return err
		}
		if row.IncidentID != nil {
			incidents = append(incidents, *row.IncidentID)
		}
	}
	return lockIncidents(tx.db, incidents)
}

// applyInSavepoint runs fn so that, should it fail, what it wrote, recorded
// and emitted is undone and the transaction goes on.
func applyInSavepoint(tx *writeTx, i int, fn func() error) error {
	name := "alert" + strconv.Itoa(i)
	if err := tx.db.SavePoint(name).Error; err != nil {
		return err
	}
	audits, events, actor := len(tx.audit), len(tx.events), tx.actor
	err := fn()
	tx.actor = actor
	if err != nil {
		tx.audit, tx.events = tx.audit[:audits], tx.events[:events]
		if rbErr := tx.db.RollbackTo(name).Error; rbErr != nil {
			return errors.Join(err, rbErr)
		}
	}
	return err
}

// alertGroupState is a group as loaded in a transaction, with what is
// stored of it, to write back only what changed.
type alertGroupState struct {
	incident.AlertGroup
	stored       *incident.Incident // the incident as stored, nil if none
	storedAlerts map[string]incident.AlertState
	exists       bool // the alert_groups row exists
}

func applyAlert(tx *writeTx, groups map[string]*alertGroupState, req *alertRequest, vocab incident.Vocabulary) error {
	if actor, ok := incident.ActorFrom(req.ctx); ok {
		tx.actor = actor
	}
	n := req.note
	g, ok := groups[n.GroupKey]
	if !ok {
		var err error
		if g, err = loadAlertGroup(tx, n.GroupKey); err != nil {
			return err
		}
		groups[n.GroupKey] = g
	}
	if !g.Apply(n, tx.now) {
		return nil
	}
	inc := g.Incident
	if inc.ID == 0 {
		if err := openAlertIncident(tx, g, vocab); err != nil {
			return err
		}
	} else if err := updateAlertIncident(tx, g, vocab); err != nil {
		return err
	}
	g.stored = cloneIncident(inc)
	return saveAlertGroup(tx, g)
}

// loadAlertGroup reads a group, its incident and its alerts, locked
// already (lockAlertGroups).
func loadAlertGroup(tx *writeTx, key string) (*alertGroupState, error) {
	g := &alertGroupState{AlertGroup: incident.AlertGroup{Key: key, Alerts: map[string]incident.AlertState{}}}
	var row alertGroupRow
	err := tx.db.Where("group_key = ?", key).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return g, nil
	case err != nil:
		return nil, err
	}
	g.exists = true
	g.MitigatedAt = timeOrNil(row.MitigatedAt)
	if row.IncidentID == nil {
		return g, nil
	}
	inc, err := getIncident(tx.db, *row.IncidentID)
	if err != nil {
		return nil, err
	}
	g.Incident, g.stored = inc, cloneIncident(inc)
	var alerts []incidentAlertRow
	if err := tx.db.Where("incident_id = ?", inc.ID).Find(&alerts).Error; err != nil {
		return nil, err
	}
	g.storedAlerts = map[string]incident.AlertState{}
	for _, a := range alerts {
		st := incident.AlertState{StartsAt: fromUnix(a.StartsAt), Firing: a.Firing}
		g.Alerts[a.Fingerprint], g.storedAlerts[a.Fingerprint] = st, st
	}
	return g, nil
}

// openAlertIncident files the incident Apply opened, as CreateIncident
// files one.
func openAlertIncident(tx *writeTx, g *alertGroupState, vocab incident.Vocabulary) error {
	inc := g.Incident
	inc.Normalize()
	inc.ApplyDefaults()
	inc.Version = 1
	inc.CreatedAt, inc.UpdatedAt = tx.now.Truncate(time.Second), tx.now.Truncate(time.Second)
	if err := inc.ValidateFiled(vocab); err != nil {
		return fmt.Errorf("alert group %q: the incident it opens is not valid: %w", g.Key, err)
	}
	if err := insertIncidents(tx, []*incident.Incident{inc}); err != nil {
		return err
	}
	g.storedAlerts = map[string]incident.AlertState{}
	if err := tx.recordChanges("incident.create", "incident", strconv.FormatInt(inc.ID, 10), nil, inc, incidentBookkeeping...); err != nil {
		return err
	}
	created := incident.Event{Type: incident.EventIncidentCreated, Data: incident.EventData{Incident: inc}}
	if g.Previous != nil {
		created.Data.PreviousIncidentID = g.Previous.ID
	}
	return tx.emit(created)
}

// updateAlertIncident writes the changes Apply made to an incident, as
// UpdateIncident writes a person's.
func updateAlertIncident(tx *writeTx, g *alertGroupState, vocab incident.Vocabulary) error {
	inc, before := g.Incident, g.stored
	inc.Normalize()
	inc.Version = before.Version + 1
	validate := inc.Validate
	if before.Severity != "" {
		validate = inc.ValidateFiled
	}
	if err := validate(vocab); err != nil {
		return fmt.Errorf("alert group %q: incident %d would not be valid: %w", g.Key, inc.ID, err)
	}
	if err := replaceIncidents(tx, []*incident.Incident{inc}, []int{before.Version}); err != nil {
		return err
	}
	if err := tx.recordChanges("incident.update", "incident", strconv.FormatInt(inc.ID, 10), before, inc, incidentBookkeeping...); err != nil {
		return err
	}
	return tx.emit(incident.UpdateEvents(before, inc)...)
}

// saveAlertGroup writes the group's row and the alerts that changed.
func saveAlertGroup(tx *writeTx, g *alertGroupState) error {
	id := g.Incident.ID
	row := alertGroupRow{GroupKey: g.Key, IncidentID: &id, MitigatedAt: unixOrNil(g.MitigatedAt), UpdatedAt: tx.unix()}
	err := tx.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "group_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"incident_id", "mitigated_at", "updated_at"})}).Create(&row).Error
	if err != nil {
		return err
	}
	g.exists = true
	var changed []incidentAlertRow
	for fp, st := range g.Alerts {
		if old, ok := g.storedAlerts[fp]; !ok || old != st {
			changed = append(changed, incidentAlertRow{IncidentID: id, Fingerprint: fp, StartsAt: st.StartsAt.Unix(), Firing: st.Firing})
			g.storedAlerts[fp] = st
		}
	}
	return createRows(tx.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "incident_id"}, {Name: "fingerprint"}},
		DoUpdates: clause.AssignmentColumns([]string{"starts_at", "firing"})}), changed)
}

// cloneIncident copies an incident deeply, through its JSON form.
func cloneIncident(inc *incident.Incident) *incident.Incident {
	data, err := json.Marshal(inc)
	if err != nil {
		panic(err) // an incident always encodes
	}
	var out incident.Incident
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return &out
}
