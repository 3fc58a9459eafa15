package report

import "github.com/aftermath-sre/aftermath/internal/incident"

// Detection says how incidents were noticed, and how fast.
type Detection struct {
	// CustomerReported counts incidents first reported by customers, Alert
	// those our alerts caught; CustomerShare is CustomerReported over all
	// incidents in the report (0 when there are none).
	CustomerReported int     `json:"customer_reported"`
	Alert            int     `json:"alert"`
	CustomerShare    float64 `json:"customer_share"`
	// BySeverity gives, per severity, how many incidents customers found.
	BySeverity []SeverityDetection `json:"by_severity"`
	// TopGaps are the most frequent detection-gap categories (the head of
	// by_gap_category).
	TopGaps []Count `json:"top_gaps"`
	// TimeToDetectByMethod summarises time to detect per detection method.
	TimeToDetectByMethod []GroupDurations `json:"time_to_detect_by_method"`
	// RecurringGaps are detection gaps listed again when a failure came
	// back: it was missed the same way twice.
	RecurringGaps []RecurringGap `json:"recurring_gaps"`
}

// SeverityDetection is how many incidents of one severity customers found.
type SeverityDetection struct {
	Severity         string `json:"severity"`
	Incidents        int    `json:"incidents"`
	CustomerReported int    `json:"customer_reported"`
}

// topGaps is how many gap categories Detection repeats.
const topGaps = 5

// finishTotals fills the figures that are sums of the by_* lists.
func (r *Report) finishTotals() {
	r.Incidents = 0
	for _, c := range r.BySeverity {
		r.Incidents += c.Count
	}
	d := &r.Detection
	for _, c := range r.ByDetectionMethod {
		switch incident.DetectionMethod(c.Key) {
		case incident.DetectedByCustomer:
			d.CustomerReported = c.Count
		case incident.DetectedByAlert:
			d.Alert = c.Count
		}
	}
	if r.Incidents > 0 {
		d.CustomerShare = float64(d.CustomerReported) / float64(r.Incidents)
	}
	d.TopGaps = r.ByGapCategory[:min(topGaps, len(r.ByGapCategory))]
}
