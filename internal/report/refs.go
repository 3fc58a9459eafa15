package report

import (
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// task is one query of a report; Build runs them concurrently.
type task func() error

// batchIDs bounds the ids bound in one IN list (SQLite allows 32,766
// parameters per statement).
const batchIDs = 500

// incidentRefs reads the id, title, service name, severity, status and
// start of the given incidents.
func incidentRefs(db *gorm.DB, ids []int64) (map[int64]IncidentRef, error) {
	out := make(map[int64]IncidentRef, len(ids))
	for start := 0; start < len(ids); start += batchIDs {
		var rows []struct {
			ID                            int64
			Title, Name, Severity, Status string
			StartedAt                     *int64
		}
		err := db.Table("incidents AS i JOIN services s ON s.key = i.service_key").
			Select("i.id, i.title, s.name, i.severity, i.status, i.started_at").
			Where("i.id IN ?", ids[start:min(start+batchIDs, len(ids))]).
			Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = IncidentRef{ID: r.ID, Title: r.Title, Service: r.Name, Severity: r.Severity,
				Status: r.Status, StartedAt: timeOrNil(r.StartedAt)}
		}
	}
	return out, nil
}

// serviceNames maps every service key to its display name.
func serviceNames(db *gorm.DB) (map[string]string, error) {
	var rows []struct{ Key, Name string }
	if err := db.Table("services").Select("key, name").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Name
	}
	return out, nil
}

func timeOrNil(unix *int64) *time.Time {
	if unix == nil {
		return nil
	}
	t := time.Unix(*unix, 0).UTC()
	return &t
}

func compareStrings(a, b string) int { return strings.Compare(a, b) }

// quote shows user input in a message, shortened.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}
