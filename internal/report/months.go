package report

import "gorm.io/gorm"

// MonthCount is how many incidents that started in one month ("YYYY-MM",
// UTC) have one value of a set-valued field: by_month_and_outage_type
// counts an incident once under each of its outage types, and under
// "(none)" when it has none, so a month's counts may add up to more than
// its incidents.
type MonthCount struct {
	Month string `json:"month"`
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// monthsByOutageType counts the incidents in scope by month of start and
// outage type, months in order; incidents without a start have no month
// and are left out, as in by_month.
func monthsByOutageType(db *gorm.DB, in scope) ([]MonthCount, error) {
	out := []MonthCount{}
	err := db.Table(in.incidents()+" LEFT JOIN incident_outage_types o ON o.incident_id = i.id").
		Select(monthOf("i.started_at")+" AS month, COALESCE(o.outage_type, '"+none+"') AS key, COUNT(*) AS count").
		Where(in.cond, in.args...).
		Where("i.started_at IS NOT NULL").
		Group("month, key").
		Order("month, key").
		Scan(&out).Error
	return out, err
}
