package store

import (
	"strings"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// searchedFields are the texts full-text search reads of an incident, in
// the order each engine's index keeps them: title, summary, description,
// causes (the primary cause's category, description and trigger),
// contributing factors and detection gaps (each category and description).
func searchedFields(inc *incident.Incident) [6]string {
	return [6]string{inc.Title, inc.Summary, inc.Description,
		joinNonEmpty(inc.PrimaryCause.Category, inc.PrimaryCause.Description, inc.PrimaryCause.Trigger),
		findingsText(inc.ContributingFactors), findingsText(inc.DetectionGaps)}
}

func findingsText(list []incident.Finding) string {
	parts := make([]string, 0, 2*len(list))
	for _, f := range list {
		parts = append(parts, f.Category, f.Description)
	}
	return joinNonEmpty(parts...)
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p)
	}
	return b.String()
}
