package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type failureModeRow struct {
	ServiceKey      string `gorm:"primaryKey"`
	Slug            string `gorm:"primaryKey"`
	Title           string
	Description     string
	Detection       string
	Mitigation      string
	Status          string
	StatusChangedAt int64
	Version         int
	CreatedAt       int64 `gorm:"autoCreateTime:false"`
	UpdatedAt       int64 `gorm:"autoUpdateTime:false"`
}

func (failureModeRow) TableName() string { return "failure_modes" }

type modeHistoryRow struct {
	ServiceKey string
	Slug       string
	Position   int
	Status     string
	At         int64
	ChangedBy  string
}

func (modeHistoryRow) TableName() string { return "failure_mode_history" }

// incidentModeRow links an incident to a failure mode that materialised.
type incidentModeRow struct {
	IncidentID int64
	Position   int
	ServiceKey string
	Slug       string
}

func (incidentModeRow) TableName() string { return "incident_failure_modes" }

func toModeRow(m *incident.FailureMode) failureModeRow {
	return failureModeRow{
		ServiceKey: m.ServiceKey, Slug: m.Slug, Title: m.Title, Description: m.Description,
		Detection: m.Detection, Mitigation: m.Mitigation, Status: string(m.Status),
		StatusChangedAt: m.StatusChangedAt.Unix(), Version: m.Version,
		CreatedAt: m.CreatedAt.Unix(), UpdatedAt: m.UpdatedAt.Unix(),
	}
}

func fromModeRow(r *failureModeRow) incident.FailureMode {
	return incident.FailureMode{
		ServiceKey: r.ServiceKey, Slug: r.Slug, Title: r.Title, Description: r.Description,
		Detection: r.Detection, Mitigation: r.Mitigation, Status: incident.FailureModeStatus(r.Status),
		StatusChangedAt: fromUnix(r.StatusChangedAt), History: []incident.StatusChange{}, Version: r.Version,
		CreatedAt: fromUnix(r.CreatedAt), UpdatedAt: fromUnix(r.UpdatedAt),
	}
}

func historyRows(m *incident.FailureMode) []modeHistoryRow {
	rows := make([]modeHistoryRow, len(m.History))
	for i, c := range m.History {
		rows[i] = modeHistoryRow{ServiceKey: m.ServiceKey, Slug: m.Slug, Position: i, Status: string(c.Status), At: c.At.Unix(), ChangedBy: c.By}
	}
	return rows
}

// readFailureModes loads the failure modes of the given services (all when
// keys is nil) with their histories, by service key then slug.
func readFailureModes(db *gorm.DB, keys []string) ([]incident.FailureMode, error) {
	var rows []failureModeRow
	var hist []modeHistoryRow
	modes, history := db.Order("service_key, slug"), db.Order("service_key, slug, position")
	if keys != nil {
		modes, history = modes.Where("service_key IN ?", keys), history.Where("service_key IN ?", keys)
	}
	if err := errors.Join(modes.Find(&rows).Error, history.Find(&hist).Error); err != nil {
		return nil, err
	}
	out := make([]incident.FailureMode, len(rows))
	at := map[incident.FailureModeRef]*incident.FailureMode{}
	for i := range rows {
		out[i] = fromModeRow(&rows[i])
		at[incident.FailureModeRef{ServiceKey: rows[i].ServiceKey, Slug: rows[i].Slug}] = &out[i]
	}
	for _, h := range hist {
		if m := at[incident.FailureModeRef{ServiceKey: h.ServiceKey, Slug: h.Slug}]; m != nil {
			m.History = append(m.History, incident.StatusChange{Status: incident.FailureModeStatus(h.Status), At: fromUnix(h.At), By: h.ChangedBy})
		}
	}
	return out, nil
}

// FailureModes lists a service's failure modes by slug, each with its
// history, read from one snapshot.
func (s *Store) FailureModes(ctx context.Context, nameOrKey string) ([]incident.FailureMode, error) {
	var out []incident.FailureMode
	err := s.read(ctx, func(tx *gorm.DB) error {
		key, err := existingService(tx, nameOrKey)
		if err != nil {
			return err
		}
		out, err = readFailureModes(tx, []string{key})
		return err
	})
	return out, err
}

// FailureMode returns one failure mode of a service with its history.
func (s *Store) FailureMode(ctx context.Context, nameOrKey, slug string) (*incident.FailureMode, error) {
	var out *incident.FailureMode
	err := s.read(ctx, func(tx *gorm.DB) error {
		key, err := existingService(tx, nameOrKey)
		if err != nil {
			return err
		}
		out, err = failureModeIn(tx, key, slug)
		return err
	})
	return out, err
}

// failureModeIn reads one mode through tx; a missing one is ENOTFOUND.
func failureModeIn(tx *gorm.DB, key, slug string) (*incident.FailureMode, error) {
	var row failureModeRow
	err := tx.Where("service_key = ? AND slug = ?", key, slug).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "Service %q has no failure mode %q.", key, slug)
	} else if err != nil {
		return nil, err
	}
	m := fromModeRow(&row)
	var hist []modeHistoryRow
	if err := tx.Where("service_key = ? AND slug = ?", key, slug).Order("position").Find(&hist).Error; err != nil {
		return nil, err
	}
	for _, h := range hist {
		m.History = append(m.History, incident.StatusChange{Status: incident.FailureModeStatus(h.Status), At: fromUnix(h.At), By: h.ChangedBy})
	}
	return &m, nil
}

// existingService resolves a service's name or key to the key of a stored
// service, or ENOTFOUND.
func existingService(tx *gorm.DB, nameOrKey string) (string, error) {
	key := incident.ServiceKey(nameOrKey)
	var n int64
	if err := tx.Model(&serviceRow{}).Where("key = ?", key).Count(&n).Error; err != nil {
		return "", err
	}
	if n == 0 {
		return "", incident.Errorf(incident.ENOTFOUND, "Service %q does not exist.", nameOrKey)
	}
	return key, nil
}

// lockService resolves a service's name or key like existingService and
// locks its row until the write commits: every write of a service's
// failure modes takes it first, so that two instances cannot both read
// version 1 and both save, or both add the same slug.
func lockService(tx *gorm.DB, nameOrKey string) (string, error) {
	key := incident.ServiceKey(nameOrKey)
	var locked []string
	if err := forUpdate(tx.Model(&serviceRow{})).Where("key = ?", key).Pluck("key", &locked).Error; err != nil {
		return "", err
	}
	if len(locked) == 0 {
		return "", incident.Errorf(incident.ENOTFOUND, "Service %q does not exist.", nameOrKey)
	}
	return key, nil
}

// lockedMode locks a failure mode's service (lockService) and reads the
// mode, for a write that decides on what it reads.
func lockedMode(tx *gorm.DB, nameOrKey, slug string) (string, *incident.FailureMode, error) {
	key, err := lockService(tx, nameOrKey)
	if err != nil {
		return "", nil, err
	}
	m, err := failureModeIn(tx, key, slug)
	return key, m, err
}

// CreateFailureMode adds a failure mode to a service: slug and title are
// required, the status is unmitigated unless given. It answers the stored
// mode, at version 1, whose history starts with its status.
func (s *Store) CreateFailureMode(ctx context.Context, nameOrKey string, change incident.FailureModeChange) (*incident.FailureMode, error) {
	var out *incident.FailureMode
	err := s.write(ctx, func(tx *writeTx) error {
		key, err := lockService(tx.db, nameOrKey)
		if err != nil {
			return err
		}
		m := &incident.FailureMode{ServiceKey: key, Status: incident.ModeUnmitigated}
		if change.Slug != nil {
			m.Slug = *change.Slug
		}
		change.Apply(m)
		now := tx.now.Truncate(time.Second)
		m.Version, m.CreatedAt, m.UpdatedAt, m.StatusChangedAt = 1, now, now, now
		m.History = []incident.StatusChange{{Status: m.Status, At: now, By: actorName(tx.actor)}}
		m.Normalize()
		if err := m.Validate(); err != nil {
			return err
		}
		var existing []failureModeRow
		if err := tx.db.Select("slug").Where("service_key = ?", key).Find(&existing).Error; err != nil {
			return err
		}
		if slices.ContainsFunc(existing, func(r failureModeRow) bool { return r.Slug == m.Slug }) {
			return fieldError("slug", fmt.Sprintf("service %s already has a failure mode %q", key, m.Slug))
		}
		if len(existing) >= incident.MaxFailureModesPerService {
			return fieldError("slug", fmt.Sprintf("service %s has %d failure modes, the most it may", key, incident.MaxFailureModesPerService))
		}
		if err := insertFailureModes(tx.db, []*incident.FailureMode{m}); err != nil {
			return err
		}
		out = m
		return tx.recordChanges("failure_mode.create", "failure_mode", key+"/"+m.Slug, nil, m, modeBookkeeping...)
	})
	return out, err
}

// modeBookkeeping are the fields a failure mode's audit entries leave out.
var modeBookkeeping = []string{"service_key", "slug", "created_at", "updated_at", "version", "history"}

// UpdateFailureMode edits a failure mode; a status that changes is added
// to its history with the time and who changed it. When the change carries
// a version that is not the stored one, nothing is written and the answer
// is a conflict with the current version. A change that changes nothing
// keeps the version.
func (s *Store) UpdateFailureMode(ctx context.Context, nameOrKey, slug string, change incident.FailureModeChange) (*incident.FailureMode, error) {
	var out *incident.FailureMode
	err := s.write(ctx, func(tx *writeTx) error {
		key, before, err := lockedMode(tx.db, nameOrKey, slug)
		if err != nil {
			return err
		}
		if change.Version != nil && *change.Version != before.Version {
			return &incident.Error{Code: incident.ECONFLICT, CurrentVersion: before.Version,
				Message: fmt.Sprintf("The failure mode was changed by someone else: it is at version %d, the request was made at version %d. Read it again and retry.", before.Version, *change.Version)}
		}
		if change.Slug != nil && strings.TrimSpace(*change.Slug) != before.Slug {
			return fieldError("slug", "cannot change: incidents refer to a mode by its slug; add a new mode instead")
		}
		m := *before
		m.History = slices.Clone(before.History)
		now := tx.now.Truncate(time.Second)
		if change.Apply(&m) {
			m.StatusChangedAt = now
			m.History = append(m.History, incident.StatusChange{Status: m.Status, At: now, By: actorName(tx.actor)})
		}
		m.Normalize()
		if err := m.Validate(); err != nil {
			return err
		}
		out = &m
		if sameMode(&m, before) {
			return nil
		}
		m.Version, m.UpdatedAt = before.Version+1, now
		if err := replaceFailureMode(tx.db, &m); err != nil {
			return err
		}
		return tx.recordChanges("failure_mode.update", "failure_mode", key+"/"+m.Slug, before, &m, modeBookkeeping...)
	})
	return out, err
}

// DeleteFailureMode removes a failure mode that no incident links. One
// that incidents link is a conflict naming them: those incidents would
// lose what they say happened; mark the mode accepted instead, or unlink
// it first.
func (s *Store) DeleteFailureMode(ctx context.Context, nameOrKey, slug string) error {
	return s.write(ctx, func(tx *writeTx) error {
		key, before, err := lockedMode(tx.db, nameOrKey, slug)
		if err != nil {
			return err
		}
		var linked []int64
		if err := tx.db.Model(&incidentModeRow{}).Where("service_key = ? AND slug = ?", key, slug).
			Order("incident_id").Limit(21).Pluck("incident_id", &linked).Error; err != nil {
			return err
		}
		if len(linked) > 0 {
			return incident.Errorf(incident.ECONFLICT, "Failure mode %s/%s is linked from incidents %s; unlink it from them first, or mark it accepted.", key, slug, idList(linked, 20))
		}
		if err := tx.db.Where("service_key = ? AND slug = ?", key, slug).Delete(&modeHistoryRow{}).Error; err != nil {
			return err
		}
		if err := tx.db.Where("service_key = ? AND slug = ?", key, slug).Delete(&failureModeRow{}).Error; err != nil {
			return err
		}
		return tx.recordChanges("failure_mode.delete", "failure_mode", key+"/"+slug, before, nil, modeBookkeeping...)
	})
}

// idList writes up to max ids, and how many more there are.
func idList(ids []int64, max int) string {
	var parts []string
	for i, id := range ids {
		if i == max {
			parts = append(parts, "and more")
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return strings.Join(parts, ", ")
}

func insertFailureModes(tx *gorm.DB, modes []*incident.FailureMode) error {
	rows := make([]failureModeRow, len(modes))
	var hist []modeHistoryRow
	for i, m := range modes {
		rows[i] = toModeRow(m)
		hist = append(hist, historyRows(m)...)
	}
	return errors.Join(createRows(tx, rows), createRows(tx, hist))
}

// replaceFailureMode rewrites a stored mode and its history.
func replaceFailureMode(tx *gorm.DB, m *incident.FailureMode) error {
	row := toModeRow(m)
	if err := tx.Model(&failureModeRow{}).Where("service_key = ? AND slug = ?", m.ServiceKey, m.Slug).
		Select("*").Omit("ServiceKey", "Slug", "CreatedAt").Updates(&row).Error; err != nil {
		return err
	}
	if err := tx.Where("service_key = ? AND slug = ?", m.ServiceKey, m.Slug).Delete(&modeHistoryRow{}).Error; err != nil {
		return err
	}
	return createRows(tx, historyRows(m))
}

// sameMode reports whether a and b say the same, bookkeeping aside.
func sameMode(a, b *incident.FailureMode) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Detection == b.Detection &&
		a.Mitigation == b.Mitigation && a.Status == b.Status && slices.Equal(a.History, b.History)
}

func fieldError(field, msg string) error {
	return &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{field: msg}}
}

// knownFailureModes reads the slugs of the modes of every service that the
// incidents' failure modes name, for incident.CheckFailureModes.
func knownFailureModes(tx *gorm.DB, incs []*incident.Incident) (incident.KnownFailureModes, error) {
	seen := map[string]bool{}
	var keys []string
	for _, inc := range incs {
		for _, r := range inc.FailureModeRefs() {
			if !seen[r.ServiceKey] {
				seen[r.ServiceKey] = true
				keys = append(keys, r.ServiceKey)
			}
		}
	}
	known := incident.KnownFailureModes{}
	for chunk := range slices.Chunk(keys, batchRows) {
		var rows []failureModeRow
		if err := tx.Select("service_key, slug").Where("service_key IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			known[r.ServiceKey] = append(known[r.ServiceKey], r.Slug)
		}
	}
	for _, slugs := range known {
		slices.Sort(slugs)
	}
	return known, nil
}

// checkFailureModes holds incidents about to be written to
// incident.CheckFailureModes, inside the write, so that a mode deleted
// meanwhile cannot be linked.
func checkFailureModes(tx *gorm.DB, incs []*incident.Incident) error {
	known, err := knownFailureModes(tx, incs)
	if err != nil {
		return err
	}
	for _, inc := range incs {
		if err := inc.CheckFailureModes(known); err != nil {
			return err
		}
	}
	return nil
}

// modeLinks turns an incident's references into rows, in its order.
func modeLinks(inc *incident.Incident) []incidentModeRow {
	refs := inc.FailureModeRefs()
	rows := make([]incidentModeRow, len(refs))
	for i, r := range refs {
		rows[i] = incidentModeRow{IncidentID: inc.ID, Position: i, ServiceKey: r.ServiceKey, Slug: r.Slug}
	}
	return rows
}

// sortModes orders failure modes by service key, then slug.
func sortModes(modes []incident.FailureMode) {
	slices.SortFunc(modes, func(a, b incident.FailureMode) int {
		return cmp.Or(cmp.Compare(a.ServiceKey, b.ServiceKey), cmp.Compare(a.Slug, b.Slug))
	})
}

// ServiceFailureModes returns a service's failure modes, each with its
// history and record: how many incidents linked it, how many of them
// while it was marked mitigated, and the latest of them. One snapshot.
func (s *Store) ServiceFailureModes(ctx context.Context, nameOrKey string) ([]incident.ModeRecord, error) {
	var out []incident.ModeRecord
	err := s.read(ctx, func(tx *gorm.DB) error {
		key, err := existingService(tx, nameOrKey)
		if err != nil {
			return err
		}
		modes, err := readFailureModes(tx, []string{key})
		if err != nil {
			return err
		}
		var links []struct {
			Slug       string
			IncidentID int64
			StartedAt  *int64
		}
		if err := tx.Table("incident_failure_modes AS m").Select("m.slug, m.incident_id, i.started_at").
			Joins("JOIN incidents i ON i.id = m.incident_id").Where("m.service_key = ?", key).
			Order("i.sort_at DESC, i.id DESC").Scan(&links).Error; err != nil {
			return err
		}
		out = make([]incident.ModeRecord, len(modes))
		bySlug := map[string]*incident.ModeRecord{}
		for i := range modes {
			out[i] = incident.ModeRecord{FailureMode: modes[i], Incidents: []incident.ModeIncident{}}
			bySlug[modes[i].Slug] = &out[i]
		}
		var latest []int64
		for _, l := range links {
			r := bySlug[l.Slug]
			r.Materialised++
			if r.MaterialisedWhileMitigated(timeOrNil(l.StartedAt)) {
				r.WhileMitigated++
			}
			if len(r.Incidents) < incident.MaxModeIncidents {
				r.Incidents = append(r.Incidents, incident.ModeIncident{ID: l.IncidentID})
				latest = append(latest, l.IncidentID)
			}
		}
		refs, err := modeIncidents(tx, latest)
		if err != nil {
			return err
		}
		for i := range out {
			for k, mi := range out[i].Incidents {
				ref := refs[mi.ID]
				ref.WhileMitigated = out[i].MaterialisedWhileMitigated(ref.StartedAt)
				out[i].Incidents[k] = ref
			}
		}
		return nil
	})
	return out, err
}

// modeIncidents reads the title, service, severity, status and start of
// incidents by id.
func modeIncidents(tx *gorm.DB, ids []int64) (map[int64]incident.ModeIncident, error) {
	out := make(map[int64]incident.ModeIncident, len(ids))
	for chunk := range slices.Chunk(ids, batchRows) {
		var rows []struct {
			ID                            int64
			Title, Name, Severity, Status string
			StartedAt                     *int64
		}
		if err := tx.Table("incidents AS i").Select("i.id, i.title, s.name, i.severity, i.status, i.started_at").
			Joins("JOIN services s ON s.key = i.service_key").Where("i.id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = incident.ModeIncident{ID: r.ID, Title: r.Title, Service: r.Name, Severity: incident.Severity(r.Severity),
				Status: incident.Status(r.Status), StartedAt: timeOrNil(r.StartedAt)}
		}
	}
	return out, nil
}

// OfferedFailureModes lists the failure modes an incident of a service may
// link: the service's own, then those of every service it depends on,
// directly or not (a cascade), by service key and slug. A service that
// does not exist offers none.
func (s *Store) OfferedFailureModes(ctx context.Context, nameOrKey string) ([]incident.FailureMode, error) {
	key := incident.ServiceKey(nameOrKey)
	var out []incident.FailureMode
	err := s.read(ctx, func(tx *gorm.DB) error {
		var edges []dependencyRow
		if err := tx.Find(&edges).Error; err != nil {
			return err
		}
		dependsOn := map[string][]string{}
		for _, e := range edges {
			dependsOn[e.ServiceKey] = append(dependsOn[e.ServiceKey], e.DependsOnKey)
		}
		reached := []string{key}
		seen := map[string]bool{key: true}
		for i := 0; i < len(reached); i++ {
			for _, d := range dependsOn[reached[i]] {
				if !seen[d] {
					seen[d] = true
					reached = append(reached, d)
				}
			}
		}
		var err error
		out, err = readFailureModes(tx, reached)
		if err != nil {
			return err
		}
		// The service's own first.
		slices.SortStableFunc(out, func(a, b incident.FailureMode) int {
			return cmp.Compare(boolRank(a.ServiceKey != key), boolRank(b.ServiceKey != key))
		})
		return nil
	})
	return out, err
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
