package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// similarityKeyRow is one near-duplicate key of an incident's cause or
// factors (migration 00009).
type similarityKeyRow struct {
	Key        int64 `gorm:"primaryKey;autoIncrement:false"`
	IncidentID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (similarityKeyRow) TableName() string { return "similarity_keys" }

type settingRow struct {
	Name  string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

const similaritySchemeSetting = "similarity_scheme"

// similarityRows are the keys of an incident's primary cause and
// contributing factors, each once.
func similarityRows(inc *incident.Incident) []similarityKeyRow {
	keys := report.SimilarityKeys(inc.PrimaryCause.Description)
	for _, f := range inc.ContributingFactors {
		keys = append(keys, report.SimilarityKeys(f.Description)...)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	rows := make([]similarityKeyRow, len(keys))
	for i, k := range keys {
		rows[i] = similarityKeyRow{Key: k, IncidentID: inc.ID}
	}
	return rows
}

// Bounds on a similarity lookup: incidents read per key, and keys per
// statement (SQLite allows 500 selects in one compound statement).
const (
	postingsPerKey = 64
	keysPerQuery   = 400
)

// SimilarCandidates lists the incidents (but exclude) that share keys
// with a search, the most shared first, at most limit, with their cause
// and factor descriptions: report.FindSimilar checks each exactly.
func (s *Store) SimilarCandidates(ctx context.Context, keys []int64, exclude int64, limit int) ([]report.Candidate, error) {
	db := s.reader.WithContext(ctx)
	// Each key's most recent incidents only: a text that many incidents
	// repeat word for word has keys that thousands share, and reading all
	// of them would make a search grow with the history. The exact check
	// needs a few candidates, and the page shows the latest.
	shared := map[int64]int{}
	for part := range slices.Chunk(keys, keysPerQuery) {
		var sql strings.Builder
		args := make([]any, 0, len(part)+1)
		for i, k := range part {
			if i > 0 {
				sql.WriteString(" UNION ALL ")
			}
			sql.WriteString("SELECT * FROM (SELECT incident_id FROM similarity_keys WHERE key = ? ORDER BY incident_id DESC LIMIT " + strconv.Itoa(postingsPerKey) + ") AS postings")
			args = append(args, k)
		}
		var ids []int64
		if err := db.Raw(sql.String(), args...).Scan(&ids).Error; err != nil {
			return nil, err
		}
		for _, id := range ids {
			if id != exclude {
				shared[id]++
			}
		}
	}
	ids := make([]int64, 0, len(shared))
	for id := range shared {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if shared[a] != shared[b] {
			return shared[b] - shared[a]
		}
		return cmp.Compare(b, a)
	})
	ids = ids[:min(len(ids), limit)]
	if len(ids) == 0 {
		return []report.Candidate{}, nil
	}
	var rows []struct {
		ID                                                          int64
		Title, ServiceKey, Service, Severity, Status, CauseCategory string
		CauseDescription                                            string
		StartedAt                                                   *int64
	}
	err := db.Table("incidents AS i JOIN services s ON s.key = i.service_key").
		Select("i.id, i.title, i.service_key, s.name AS service, i.severity, i.status, i.cause_category, i.cause_description, i.started_at").
		Where("i.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var factors []findingRow
	if err := db.Where("incident_id IN ? AND kind = ?", ids, factorKind).Order("incident_id, position").Find(&factors).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]*report.Candidate, len(rows))
	out := make([]report.Candidate, len(rows))
	for i, r := range rows {
		out[i] = report.Candidate{
			IncidentRef: report.IncidentRef{ID: r.ID, Title: r.Title, Service: r.Service, Severity: r.Severity,
				Status: r.Status, StartedAt: timeOrNil(r.StartedAt)},
			ServiceKey: r.ServiceKey,
		}
		if r.CauseDescription != "" {
			out[i].Texts = append(out[i].Texts, report.SimilarText{Role: "cause", Category: r.CauseCategory, Description: r.CauseDescription})
		}
		byID[r.ID] = &out[i]
	}
	for _, f := range factors {
		if c := byID[f.IncidentID]; c != nil {
			c.Texts = append(c.Texts, report.SimilarText{Role: "factor", Category: f.Category, Description: f.Description})
		}
	}
	return out, nil
}

// ensureSimilarity rebuilds every incident's keys when they were made
// with another scheme than this binary's (or none: a database migrated to
// 00006). It reads the descriptions in id order and writes the keys of a
// thousand incidents per transaction. Instances starting together on one
// PostgreSQL database rebuild one at a time (engine.exclusively), and the
// later ones find the keys made. A rebuild says so on log, with its
// progress every rebuildReportEvery.
func ensureSimilarity(ctx context.Context, eng engine, writer *gorm.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return eng.exclusively(ctx, writer, "similarity keys", func(db *gorm.DB) error { return rebuildSimilarity(ctx, db, log) })
}

// rebuildReportEvery is how often a rebuild logs how far it got.
const rebuildReportEvery = 10 * time.Second

func rebuildSimilarity(ctx context.Context, writer *gorm.DB, log *slog.Logger) error {
	var current settingRow
	err := writer.WithContext(ctx).Where("name = ?", similaritySchemeSetting).Take(&current).Error
	if err == nil && current.Value == report.SimilarityScheme {
		return nil
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	var total int64
	if err := writer.WithContext(ctx).Table("incidents").Count(&total).Error; err != nil {
		return err
	}
	if total == 0 {
		log = slog.New(slog.DiscardHandler) // a new database: nothing worth saying
	}
	start := time.Now()
	log.Info("rebuilding the near-duplicate keys of every incident, once for this version", "incidents", total)
	if err := writer.WithContext(ctx).Exec("DELETE FROM similarity_keys").Error; err != nil {
		return err
	}
	const batch = 1000
	done, reported := 0, start
	for after := int64(0); ; {
		var incs []struct {
			ID               int64
			CauseDescription string
		}
		err := writer.WithContext(ctx).Table("incidents").Select("id, cause_description").
			Where("id > ?", after).Order("id").Limit(batch).Scan(&incs).Error
		if err != nil {
			return err
		}
		if len(incs) == 0 {
			break
		}
		ids := make([]int64, len(incs))
		byID := make(map[int64]*incident.Incident, len(incs))
		all := make([]incident.Incident, len(incs))
		for i, r := range incs {
			ids[i] = r.ID
			all[i] = incident.Incident{ID: r.ID, PrimaryCause: incident.Cause{Description: r.CauseDescription}}
			byID[r.ID] = &all[i]
		}
		var factors []findingRow
		if err := writer.WithContext(ctx).Where("incident_id IN ? AND kind = ?", ids, factorKind).Order("incident_id, position").Find(&factors).Error; err != nil {
			return err
		}
		for _, f := range factors {
			inc := byID[f.IncidentID]
			inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{Description: f.Description})
		}
		var rows []similarityKeyRow
		for i := range all {
			rows = append(rows, similarityRows(&all[i])...)
		}
		if err := createRows(writer.WithContext(ctx), rows); err != nil {
			return fmt.Errorf("similarity keys: %w", err)
		}
		after = ids[len(ids)-1]
		done += len(ids)
		if time.Since(reported) >= rebuildReportEvery {
			reported = time.Now()
			log.Info("rebuilding the near-duplicate keys", "done", done, "of", total)
		}
	}
	err = writer.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&settingRow{Name: similaritySchemeSetting, Value: report.SimilarityScheme}).Error
	if err == nil {
		log.Info("near-duplicate keys rebuilt", "incidents", done, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return err
}
