package report

import "context"

// MonthCount is how many incidents that started in one month ("YYYY-MM",
// UTC) have one value of a set-valued field: by_month_and_outage_type
// counts an incident once under each of its outage types, and under
// "(none)" when it has none, so a month's counts may add up to more than
// its incidents. Incidents without a start have no month and are left
// out, as in by_month.
type MonthCount struct {
	Month string `json:"month"`
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// monthsByOutageType reads the counts of by_month_and_outage_type, the
// incidents without an outage type under none.
func monthsByOutageType(ctx context.Context, src Source, in Scope) ([]MonthCount, error) {
	out, err := src.CountByMonthAndOutageType(ctx, in)
	for k := range out {
		if out[k].Key == "" {
			out[k].Key = none
		}
	}
	return out, err
}
