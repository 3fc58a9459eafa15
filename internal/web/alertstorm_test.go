package web_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/alertmanager/alertstorm"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// stormSenders is how many senders post at once: a few Alertmanager
// instances of a cluster, each with a handful of connections.
const stormSenders = 8

// sendStorm posts every notification of s from stormSenders senders at
// once and returns each one's status and latency, in sending order.
func sendStorm(t testing.TB, a *api, s *alertstorm.Storm) ([]int, []time.Duration) {
	statuses := make([]int, len(s.Notifications))
	latencies := make([]time.Duration, len(s.Notifications))
	next := make(chan int)
	var wg sync.WaitGroup
	for range stormSenders {
		wg.Go(func() {
			for i := range next {
				req := a.request("POST", alertsPath, s.Notifications[i])
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				latencies[i] = time.Since(start)
				if err != nil {
					t.Error(err)
					continue
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}
		})
	}
	for i := range s.Notifications {
		next <- i
	}
	close(next)
	wg.Wait()
	return statuses, latencies
}

// checkStorm checks what the storm left: one incident per group, each
// alert's firing once on its group's timeline, its resolving once if it
// resolved, and the incidents of groups whose alerts have not all
// resolved not mitigated.
func checkStorm(t testing.TB, a *api, s *alertstorm.Storm) {
	t.Helper()
	incs := alertIncidents(t, a)
	if len(incs) != s.Groups {
		t.Fatalf("%d incidents, want %d", len(incs), s.Groups)
	}
	byService := map[string]incident.Incident{}
	for _, inc := range incs {
		byService[inc.Service] = inc
	}
	for key, alerts := range s.Alerts {
		service := key[strings.Index(key, `service="`)+9:]
		service = service[:strings.Index(service, `"`)]
		inc, ok := byService[service]
		if !ok {
			t.Errorf("no incident for %s", key)
			continue
		}
		for _, summary := range alerts {
			for _, verb := range []string{"Firing", "Resolved"} {
				want := 0
				if verb == "Firing" || slices.Contains(s.Resolved[key], summary) {
					want = 1
				}
				n := 0
				for _, e := range inc.Timeline {
					if strings.HasPrefix(e.Text, verb+": "+summary+" {") {
						n++
					}
				}
				if n != want {
					t.Errorf("%s: %q is %s %d times on the timeline, want %d", service, summary, strings.ToLower(verb), n, want)
				}
			}
		}
		if inc.MitigatedAt != nil {
			t.Errorf("%s is mitigated with alerts still firing", service)
		}
	}
}

// p99 is the 99th percentile (nearest rank).
func p99(latencies []time.Duration) time.Duration {
	sorted := slices.Sorted(slices.Values(latencies))
	return sorted[(len(sorted)*99+99)/100-1]
}

// TestAlertStorm: eight senders post 1,000 notifications of 40 groups in a
// burst. Every one is answered 2xx, there are exactly 40 incidents, and
// each alert is once on its timeline. (How fast: BenchmarkAlertStorm.)
func TestAlertStorm(t *testing.T) {
	a := newAPI(t)
	am := a.as(incident.RoleResponder)
	s := alertstorm.New(1000, 40, 1)
	statuses, latencies := sendStorm(t, am, s)
	for i, status := range statuses {
		if status < 200 || status > 299 {
			t.Fatalf("notification %d answered %d", i, status)
		}
	}
	checkStorm(t, a, s)
	t.Logf("p99 %v", p99(latencies))
	// Sent again, the whole storm changes nothing.
	before := alertIncidents(t, a)
	sendStorm(t, am, s)
	after := alertIncidents(t, a)
	for i := range before {
		if before[i].Version != after[i].Version {
			t.Errorf("the storm again changed incident %d: version %d → %d", before[i].ID, before[i].Version, after[i].Version)
		}
	}
}

// BenchmarkAlertStorm measures the storm's latency: 1,000 notifications of
// 40 groups from eight senders, into a fresh database each time.
func BenchmarkAlertStorm(b *testing.B) {
	var all []time.Duration
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		a := newAPI(b)
		am := a.as(incident.RoleResponder)
		s := alertstorm.New(1000, 40, 1)
		b.StartTimer()
		start := time.Now()
		statuses, latencies := sendStorm(b, am, s)
		elapsed += time.Since(start)
		b.StopTimer()
		for _, status := range statuses {
			if status != http.StatusOK {
				b.Fatalf("status %d", status)
			}
		}
		all = append(all, latencies...)
		b.StartTimer()
	}
	b.ReportMetric(float64(p99(all).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "notifications/s")
}

// TestAlertStormOnTwoInstances: two instances on one database each take
// the whole storm at once, as behind a pair of Alertmanagers that each
// send every notification, to different instances. Still exactly one
// incident per group and each alert once on its timeline: the instances
// take a group's notifications one after another (on PostgreSQL, by the
// group's row lock; a group seen for the first time gets its row before
// either opens an incident).
func TestAlertStormOnTwoInstances(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			dsn := storetest.DSN(t, b)
			c := &clock{now: time.Now().UTC()}
			one := instance(t, dsn, c, web.Config{})
			two := instance(t, dsn, c, web.Config{})
			senders := []*api{one.as(incident.RoleResponder)}
			senders = append(senders, two.withToken(senders[0].token))
			s := alertstorm.New(1000, 40, 3)
			var wg sync.WaitGroup
			for _, a := range senders {
				wg.Go(func() {
					statuses, _ := sendStorm(t, a, s)
					for i, status := range statuses {
						if status < 200 || status > 299 {
							t.Errorf("notification %d answered %d", i, status)
							return
						}
					}
				})
			}
			wg.Wait()
			checkStorm(t, one.as(incident.RoleAdmin), s)
		})
	}
}
