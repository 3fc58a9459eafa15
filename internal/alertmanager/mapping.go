package alertmanager

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Mapping says how labels become a service and a severity. The zero value
// is not useful; DefaultMapping is the contract's.
type Mapping struct {
	// ServiceLabels are tried in order; the first that a group's labels
	// carry names its service.
	ServiceLabels []string
	// DefaultService is the service of a group that carries none of them.
	DefaultService string
	// SeverityLabel holds the alert's severity word.
	SeverityLabel string
	// Severities maps severity words (lowercase) to severities.
	Severities map[string]incident.Severity
	// DefaultSeverity is the severity of a word not in Severities.
	DefaultSeverity incident.Severity
}

// DefaultMapping is PRODUCT.md's: service from the service label, else
// job; critical → SEV1, error → SEV2, warning → SEV3, anything else SEV4.
func DefaultMapping() Mapping {
	return Mapping{
		ServiceLabels:  []string{"service", "job"},
		DefaultService: "unknown",
		SeverityLabel:  "severity",
		Severities: map[string]incident.Severity{
			"critical": incident.SEV1, "error": incident.SEV2, "warning": incident.SEV3,
		},
		DefaultSeverity: incident.SEV4,
	}
}

// ParseSeverities reads "word=SEVn" pairs, as the flag gives them.
func ParseSeverities(pairs []string) (map[string]incident.Severity, error) {
	out := map[string]incident.Severity{}
	for _, pair := range pairs {
		word, sev, ok := strings.Cut(pair, "=")
		s := incident.Severity(strings.ToUpper(strings.TrimSpace(sev)))
		if !ok || strings.TrimSpace(word) == "" || !slices.Contains(incident.Severities, s) {
			return nil, fmt.Errorf("%q is not WORD=SEVn with a severity of SEV1 to SEV4", pair)
		}
		out[strings.ToLower(strings.TrimSpace(word))] = s
	}
	return out, nil
}

// Notification maps a checked message onto the domain's notification.
// Label values come from other systems: they are cleaned (control
// characters dropped, lengths cut) rather than refused, since a refused
// notification would be re-sent for ever and never recorded.
func (m Mapping) Notification(msg *Message) *incident.AlertNotification {
	n := &incident.AlertNotification{
		GroupKey: msg.GroupKey,
		Service:  incident.CleanName(m.service(msg), incident.MaxShortText),
		Severity: m.severity(msg),
		Resolved: msg.Status == statusResolved,
	}
	if n.Service == "" {
		n.Service = m.DefaultService
	}
	n.Title = incident.CleanName(title(msg), incident.MaxTitle)
	n.Summary = incident.CleanMarkdown(msg.CommonAnnotations["description"], incident.MaxMarkdown)
	if incident.IsWebURL(msg.ExternalURL) {
		n.Links = append(n.Links, incident.Link{Title: "Alertmanager", URL: msg.ExternalURL})
	}
	for _, a := range msg.Alerts {
		n.Alerts = append(n.Alerts, incident.Alert{
			Fingerprint: a.Fingerprint,
			Firing:      a.Status == statusFiring,
			StartsAt:    a.StartsAt,
			EndsAt:      endsAt(a),
			Text:        alertText(msg, a),
		})
	}
	return n
}

// service is the first service label the group carries: in its common
// labels, then in its first alert's.
func (m Mapping) service(msg *Message) string {
	for _, labels := range labelSets(msg) {
		for _, name := range m.ServiceLabels {
			if v := strings.TrimSpace(labels[name]); v != "" {
				return v
			}
		}
	}
	return ""
}

// severity is the group's severity: its common label, else the most
// severe of its alerts'.
func (m Mapping) severity(msg *Message) incident.Severity {
	if word, ok := msg.CommonLabels[m.SeverityLabel]; ok {
		return m.severityOf(word)
	}
	worst := incident.Severity("")
	for _, a := range msg.Alerts {
		if word, ok := a.Labels[m.SeverityLabel]; ok {
			if s := m.severityOf(word); worst == "" || s < worst {
				worst = s
			}
		}
	}
	if worst == "" {
		return m.DefaultSeverity
	}
	return worst
}

func (m Mapping) severityOf(word string) incident.Severity {
	if s, ok := m.Severities[strings.ToLower(strings.TrimSpace(word))]; ok {
		return s
	}
	return m.DefaultSeverity
}

func labelSets(msg *Message) []map[string]string {
	sets := []map[string]string{msg.CommonLabels, msg.GroupLabels}
	if len(msg.Alerts) > 0 {
		sets = append(sets, msg.Alerts[0].Labels)
	}
	return sets
}

// title is the group's summary annotation, else its alert name and group
// labels.
func title(msg *Message) string {
	if s := strings.TrimSpace(msg.CommonAnnotations["summary"]); s != "" {
		return s
	}
	name := msg.CommonLabels["alertname"]
	if name == "" {
		name = msg.GroupLabels["alertname"]
	}
	if name == "" && len(msg.Alerts) > 0 {
		name = msg.Alerts[0].Labels["alertname"]
	}
	if name == "" {
		name = "Alert"
	}
	if rest := describeLabels(msg.GroupLabels, "alertname"); rest != "" {
		return name + " " + rest
	}
	return name
}

// alertText is what the timeline says of an alert: its summary
// annotation, else its name; with the labels that tell it apart from the
// rest of its group.
func alertText(msg *Message, a Alert) string {
	text := strings.TrimSpace(a.Annotations["summary"])
	if text == "" {
		text = a.Labels["alertname"]
	}
	if text == "" {
		text = "alert " + a.Fingerprint
	}
	own := map[string]string{}
	for k, v := range a.Labels {
		if msg.CommonLabels[k] != v {
			own[k] = v
		}
	}
	if rest := describeLabels(own, "alertname"); rest != "" {
		text += " " + rest
	}
	return text
}

// describeLabels writes labels as {a="1", b="2"}, sorted, without skip.
func describeLabels(labels map[string]string, skip string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if k != skip {
			parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// endsAt is when a resolved alert ended. While it fires, Alertmanager
// sends the zero time, or a time in the future at which it would end
// unless re-sent: neither is an end.
func endsAt(a Alert) time.Time {
	if a.Status != statusResolved {
		return time.Time{}
	}
	return a.EndsAt
}
