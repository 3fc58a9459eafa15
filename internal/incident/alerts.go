package incident

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// AlertNotification is one notification from an alerting system about one
// group of alerts, in the domain's terms: internal/alertmanager reads
// Alertmanager's webhook payload into it, mapping labels to a service and
// a severity. The same group is notified again and again (every group
// interval, and on every change); AlertGroup.Apply makes the repeats
// change nothing.
type AlertNotification struct {
	// GroupKey identifies the group: one incident at a time per group.
	GroupKey string
	// Title, Summary, Service, Severity and Links are what a new incident
	// of the group gets; an existing incident keeps what people made of it.
	Title    string
	Summary  string
	Service  string
	Severity Severity
	Links    []Link
	Alerts   []Alert
	// Resolved says that the whole group has resolved, as the sender sees
	// it (Alertmanager's status "resolved" when no alert of the group
	// fires, truncated ones included).
	Resolved bool
	// BaseURL is where this server's pages are (scheme and host), for the
	// link from a group's new incident to its earlier one.
	BaseURL string
}

// Alert is one alert of a notification, known by its fingerprint. One
// firing of it is known by its StartsAt: an alert that resolves and fires
// again starts anew.
type Alert struct {
	Fingerprint string
	Firing      bool
	StartsAt    time.Time
	// EndsAt is when a resolved alert resolved; zero while it fires.
	EndsAt time.Time
	// Text says what the alert is, for the timeline.
	Text string
}

// AlertState is what is remembered of one alert of a group's incident: the
// firing it is at, and whether that firing has resolved.
type AlertState struct {
	StartsAt time.Time
	Firing   bool
}

// AlertGroup is an alert group with its current incident: what
// AlertGroup.Apply changes and the store writes back.
type AlertGroup struct {
	Key string
	// Incident is the group's current incident (nil when it has none, or
	// it was deleted); ID 0 when Apply has just opened it.
	Incident *Incident
	// Alerts holds what is known of each alert of the incident, by
	// fingerprint.
	Alerts map[string]AlertState
	// MitigatedAt is the mitigated_at that the group's resolving set on
	// the incident, if it did: a firing again clears it, but never a
	// mitigated_at that a person set.
	MitigatedAt *time.Time
	// Previous is the group's earlier, resolved incident when Apply opened
	// a new one.
	Previous *Incident
}

// AlertTag tags the incidents that alerts opened.
const AlertTag = "alertmanager"

// alertTimelineKind is the kind of the timeline entries alerts add.
const alertTimelineKind = "alert"

// Apply folds a notification into the group and reports whether its
// incident changed (or was opened). It is idempotent: a notification
// applied twice, or one older than what the group has seen, changes
// nothing. Each firing of an alert adds one timeline entry, and its
// resolving one more; when every alert of the group has resolved, the
// incident is mitigated (resolving it stays a person's call). A firing
// that the group has not seen, while its incident is resolved, opens a
// new incident linked to the earlier one.
func (g *AlertGroup) Apply(n *AlertNotification, now time.Time) bool {
	alerts := slices.Clone(n.Alerts)
	for i := range alerts {
		// Stored at second precision: so compared.
		alerts[i].StartsAt = alerts[i].StartsAt.UTC().Truncate(time.Second)
		alerts[i].EndsAt = alerts[i].EndsAt.UTC().Truncate(time.Second)
	}
	slices.SortStableFunc(alerts, func(a, b Alert) int { return a.StartsAt.Compare(b.StartsAt) })
	if g.Incident == nil || g.Incident.Status == StatusResolved {
		if !g.firesAnew(alerts) {
			return false
		}
		g.open(n, alerts, now)
	}
	changed := g.Incident.ID == 0
	for _, a := range alerts {
		if g.fold(a, now) {
			changed = true
		}
	}
	if changed || n.Resolved {
		if g.mitigate(n.Resolved, now) {
			changed = true
		}
	}
	return changed
}

// firesAnew reports whether a firing alert is one the group has not seen:
// an unknown fingerprint, or a later start than the one known.
func (g *AlertGroup) firesAnew(alerts []Alert) bool {
	for _, a := range alerts {
		known, ok := g.Alerts[a.Fingerprint]
		if a.Firing && (!ok || a.StartsAt.After(known.StartsAt)) {
			return true
		}
	}
	return false
}

// open makes the group's new incident from the notification.
func (g *AlertGroup) open(n *AlertNotification, alerts []Alert, now time.Time) {
	var detected *time.Time
	for _, a := range alerts {
		if a.Firing && (detected == nil || a.StartsAt.Before(*detected)) {
			t := a.StartsAt
			detected = &t
		}
	}
	inc := &Incident{
		Title:           n.Title,
		Service:         n.Service,
		Severity:        n.Severity,
		Status:          StatusInvestigating,
		DetectionMethod: DetectedByAlert,
		DetectedAt:      detected,
		Summary:         n.Summary,
		Tags:            []string{AlertTag},
		Links:           slices.Clone(n.Links),
	}
	if prev := g.Incident; prev != nil {
		g.Previous = prev
		if n.BaseURL != "" {
			inc.Links = append(inc.Links, Link{Title: fmt.Sprintf("Earlier incident of this alert group: #%d", prev.ID),
				URL: n.BaseURL + "/incidents/" + strconv.FormatInt(prev.ID, 10)})
		}
		at := now
		if detected != nil {
			at = *detected
		}
		inc.Timeline = append(inc.Timeline, TimelineEntry{At: at.UTC().Truncate(time.Second), Kind: alertTimelineKind,
			Text: fmt.Sprintf("The alert group fired again after its earlier incident #%d was resolved.", prev.ID)})
	}
	g.Incident, g.Alerts, g.MitigatedAt = inc, map[string]AlertState{}, nil
}

// fold applies one alert and reports whether the timeline changed.
func (g *AlertGroup) fold(a Alert, now time.Time) bool {
	known, ok := g.Alerts[a.Fingerprint]
	switch {
	case ok && a.StartsAt.Before(known.StartsAt):
		return false // an older firing, overtaken
	case ok && a.StartsAt.Equal(known.StartsAt) && (known.Firing == a.Firing || !known.Firing):
		return false // a repeat, or a firing that arrived after its resolve
	}
	if !ok || !a.StartsAt.Equal(known.StartsAt) {
		// A firing not seen yet: a resolve whose firing never arrived
		// says when it fired, too.
		g.addEntry(a.StartsAt, "Firing: "+a.Text)
	}
	if !a.Firing {
		ended := a.EndsAt
		if ended.IsZero() {
			ended = now
		}
		g.addEntry(ended, "Resolved: "+a.Text)
	}
	g.Alerts[a.Fingerprint] = AlertState{StartsAt: a.StartsAt, Firing: a.Firing}
	return true
}

// addEntry puts an alert's entry on the timeline in time order. A full
// timeline gets one last entry saying that later ones are left out.
func (g *AlertGroup) addEntry(at time.Time, text string) {
	tl := g.Incident.Timeline
	switch {
	case len(tl) >= MaxListItems:
		return
	case len(tl) == MaxListItems-1:
		at = latest(tl, at)
		text = fmt.Sprintf("Later alert changes are not listed: a timeline holds at most %d entries.", MaxListItems)
	}
	e := TimelineEntry{At: at.UTC().Truncate(time.Second), Kind: alertTimelineKind, Text: CleanMarkdown(text, MaxMarkdown)}
	i, _ := slices.BinarySearchFunc(tl, e.At, func(x TimelineEntry, t time.Time) int {
		if x.At.After(t) {
			return 1
		}
		return -1 // entries at the same time keep their order
	})
	g.Incident.Timeline = slices.Insert(tl, i, e)
}

// latest is the time of the note that closes a full timeline: after
// every entry, so that it reads last.
func latest(tl []TimelineEntry, at time.Time) time.Time {
	for _, e := range tl {
		if e.At.After(at) {
			at = e.At
		}
	}
	return at
}

// mitigate sets mitigated_at when every known alert of the group has
// resolved and the sender says the group has, and clears the one it set
// when an alert fires again. It reports whether the incident changed.
func (g *AlertGroup) mitigate(groupResolved bool, now time.Time) bool {
	inc := g.Incident
	firing := false
	var last time.Time
	for _, st := range g.Alerts {
		firing = firing || st.Firing
	}
	for _, e := range inc.Timeline {
		if e.Kind == alertTimelineKind && e.At.After(last) {
			last = e.At
		}
	}
	switch {
	case firing && g.MitigatedAt != nil && inc.MitigatedAt != nil && inc.MitigatedAt.Equal(*g.MitigatedAt):
		inc.MitigatedAt, g.MitigatedAt = nil, nil
		return true
	case !firing && groupResolved && len(g.Alerts) > 0 && inc.MitigatedAt == nil:
		if last.IsZero() {
			last = now
		}
		at := last.UTC().Truncate(time.Second)
		// Keep the timestamps in order when people set them otherwise.
		for _, before := range []*time.Time{inc.StartedAt, inc.DetectedAt} {
			if before != nil && at.Before(*before) {
				at = *before
			}
		}
		if inc.ResolvedAt != nil && at.After(*inc.ResolvedAt) {
			return false
		}
		inc.MitigatedAt, g.MitigatedAt = &at, &at
		return true
	}
	return false
}
