// Package alertstorm makes the alert storm the tests and benchmarks send:
// many Alertmanager notifications for a few groups, repeats and resolves
// among them, in an order where later news may arrive before earlier.
package alertstorm

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
)

// Storm is a burst of notifications and what they add up to.
type Storm struct {
	// Notifications are the bodies to post, in sending order.
	Notifications [][]byte
	// Groups is how many alert groups they are of; Alerts the alerts of
	// each group, by the text each one's timeline entries carry.
	Groups int
	Alerts map[string][]string // group key → alert summaries
	// Resolved is, per group key, the summaries of the alerts that end
	// resolved.
	Resolved map[string][]string
}

// alertsPerGroup is how many alerts each group fires, one more every few
// notifications; the first resolves in the group's last notifications.
const alertsPerGroup = 5

// New makes n notifications for groups groups, shuffled with seed: each
// group's notifications fire more and more of its alerts, repeat them,
// and at the end resolve its first one.
func New(n, groups int, seed uint64) *Storm {
	s := &Storm{Groups: groups, Alerts: map[string][]string{}, Resolved: map[string][]string{}}
	start := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	perGroup := n / groups
	for g := range groups {
		key := fmt.Sprintf(`{}/{service="svc-%02d"}:{alertname="Storm%02d"}`, g, g)
		for a := range alertsPerGroup {
			s.Alerts[key] = append(s.Alerts[key], summary(g, a))
		}
		s.Resolved[key] = []string{summary(g, 0)}
		count := perGroup
		if g < n%groups {
			count++
		}
		for k := range count {
			s.Notifications = append(s.Notifications, notification(key, g, k, count, start))
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	rng.Shuffle(len(s.Notifications), func(i, j int) {
		s.Notifications[i], s.Notifications[j] = s.Notifications[j], s.Notifications[i]
	})
	return s
}

func summary(group, alert int) string {
	return fmt.Sprintf("Storm alert %d of group %02d", alert, group)
}

// notification is the k-th of count notifications of a group: alerts
// 0 … k/3 fire (at most all of them); in the last fifth alert 0 has
// resolved.
func notification(key string, g, k, count int, start time.Time) []byte {
	firing := min(k/3+1, alertsPerGroup)
	resolving := count >= 5 && k >= count-count/5
	msg := alertmanager.Message{
		Version: "4", GroupKey: key, Receiver: "aftermath", Status: "firing",
		GroupLabels:       map[string]string{"alertname": fmt.Sprintf("Storm%02d", g)},
		CommonLabels:      map[string]string{"alertname": fmt.Sprintf("Storm%02d", g), "service": fmt.Sprintf("svc-%02d", g), "severity": "warning"},
		CommonAnnotations: map[string]string{},
		ExternalURL:       "https://alertmanager.example.com",
	}
	for a := range firing {
		al := alertmanager.Alert{
			Status:      "firing",
			Labels:      map[string]string{"alertname": fmt.Sprintf("Storm%02d", g), "service": fmt.Sprintf("svc-%02d", g), "severity": "warning", "instance": fmt.Sprint(a)},
			Annotations: map[string]string{"summary": summary(g, a)},
			StartsAt:    start.Add(time.Duration(g*alertsPerGroup+a) * time.Second),
			Fingerprint: fmt.Sprintf("%04x%04x", g, a),
		}
		if a == 0 && resolving {
			al.Status, al.EndsAt = "resolved", al.StartsAt.Add(10*time.Minute)
		}
		msg.Alerts = append(msg.Alerts, al)
	}
	body, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return body
}
