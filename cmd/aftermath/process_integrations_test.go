package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/alertmanager/alertstorm"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// testAlertStormCrash sends an alert storm from eight senders, kills the
// server with SIGKILL mid-storm, restarts it, and finds every alert of
// every acknowledged notification on its group's timeline, once; the
// whole storm sent again then leaves exactly one incident per group with
// each alert once.
func testAlertStormCrash(t *testing.T, bin string) {
	db := filepath.Join(t.TempDir(), "storm.db")
	srv := startServer(t, bin, db)
	s := alertstorm.New(1000, 40, 7)

	var mu sync.Mutex
	var acked [][]byte
	next := make(chan int)
	var senders sync.WaitGroup
	for range 8 {
		senders.Go(func() {
			for i := range next {
				resp, err := srv.client.Post(srv.url+"/api/v1/integrations/alertmanager", "application/json", bytes.NewReader(s.Notifications[i]))
				if err != nil {
					continue // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("notification %d: %d", i, resp.StatusCode)
					continue
				}
				mu.Lock()
				acked = append(acked, s.Notifications[i])
				mu.Unlock()
			}
		})
	}
	go func() {
		defer close(next)
		for i := range s.Notifications {
			select {
			case next <- i:
			case <-srv.exited:
				return
			}
		}
	}()
	waitUntil(t, 30*time.Second, "300 acknowledged notifications", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 300
	})
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	senders.Wait()
	t.Logf("%d of %d notifications acknowledged before SIGKILL", len(acked), len(s.Notifications))

	// The reads that check run unlimited; the storm itself was sent at the
	// default rate limit, which the integration route is not held to.
	again := startServer(t, bin, db, "AFTERMATH_RATE_LIMIT=0")
	timelines := alertTimelines(t, again)
	for _, body := range acked {
		msg, err := alertmanager.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		tl := timelines[msg.CommonLabels["service"]]
		for _, a := range msg.Alerts {
			summary := a.Annotations["summary"]
			if n := countEntries(tl, "Firing: "+summary+" {"); n != 1 {
				t.Fatalf("%s: %q fired in an acknowledged notification, and is on the timeline %d times", msg.GroupKey, summary, n)
			}
			if a.Status == "resolved" && countEntries(tl, "Resolved: "+summary+" {") != 1 {
				t.Fatalf("%s: %q resolved in an acknowledged notification, and its resolve is not on the timeline once", msg.GroupKey, summary)
			}
		}
	}

	// The storm again, whole: what the crash cut off is filled in, and
	// nothing is doubled.
	for _, body := range s.Notifications {
		resp, err := again.client.Post(again.url+"/api/v1/integrations/alertmanager", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after the restart: %d", resp.StatusCode)
		}
	}
	timelines = alertTimelines(t, again)
	if len(timelines) != s.Groups {
		t.Fatalf("%d incidents, want %d", len(timelines), s.Groups)
	}
	for key, summaries := range s.Alerts {
		service := strings.Split(strings.Split(key, `service="`)[1], `"`)[0]
		for _, summary := range summaries {
			if n := countEntries(timelines[service], "Firing: "+summary+" {"); n != 1 {
				t.Errorf("%s: %q is on the timeline %d times", service, summary, n)
			}
		}
	}
	again.stop(t, syscall.SIGTERM)
	sqliteIntegrity(t, db)
}

// alertTimelines reads each alert incident's timeline, by service.
func alertTimelines(t *testing.T, s *server) map[string][]incident.TimelineEntry {
	out := map[string][]incident.TimelineEntry{}
	for _, inc := range listAll(t, s) {
		if len(inc.Tags) == 0 || inc.Tags[0] != incident.AlertTag {
			continue
		}
		if _, dup := out[inc.Service]; dup {
			t.Fatalf("two incidents for %s", inc.Service)
		}
		resp, err := s.client.Get(fmt.Sprintf("%s/api/v1/incidents/%d", s.url, inc.ID))
		if err != nil {
			t.Fatal(err)
		}
		var full incident.Incident
		err = json.NewDecoder(resp.Body).Decode(&full)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("incident %d: %d %v", inc.ID, resp.StatusCode, err)
		}
		out[inc.Service] = full.Timeline
	}
	return out
}

func countEntries(tl []incident.TimelineEntry, prefix string) int {
	n := 0
	for _, e := range tl {
		if strings.HasPrefix(e.Text, prefix) {
			n++
		}
	}
	return n
}

// testWebhooksAfterCrash registers a webhook whose receiver fails at
// first, makes changes, kills the server with SIGKILL while their events
// are pending, restarts it, lets the receiver answer, and finds every
// acknowledged change delivered, signed with the secret made before the
// crash (the key file beside the database outlived it).
func testWebhooksAfterCrash(t *testing.T, bin string) {
	db := filepath.Join(t.TempDir(), "hooks.db")
	var mu sync.Mutex
	failing := true
	var secret string
	delivered := map[string]incident.Event{} // webhook-id → event
	bad := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err == nil {
			err = wh.Verify(body, r.Header)
		}
		if err != nil {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var e incident.Event
		json.Unmarshal(body, &e)
		delivered[r.Header.Get("webhook-id")] = e
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	srv := startServer(t, bin, db, "AFTERMATH_WEBHOOK_ALLOW_PRIVATE=true")
	resp, err := srv.client.Post(srv.url+"/api/v1/webhooks", "application/json", strings.NewReader(
		fmt.Sprintf(`{"url": %q, "events": ["incident.created", "incident.updated"]}`, receiver.URL)))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Secret string `json:"secret"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	mu.Lock()
	secret = created.Secret
	mu.Unlock()

	example := linktreeJSON(t)
	want := map[string]int{} // "type incident" → how many
	for i := range 20 {
		resp, err := srv.client.Post(srv.url+"/api/v1/incidents", "application/json", bytes.NewReader(withTitle(t, example, fmt.Sprintf("hooked %d", i))))
		if err != nil {
			t.Fatal(err)
		}
		var inc incident.Incident
		json.NewDecoder(resp.Body).Decode(&inc)
		resp.Body.Close()
		want[fmt.Sprintf("incident.created %d", inc.ID)]++
		req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/api/v1/incidents/%d", srv.url, inc.ID),
			strings.NewReader(`{"version": 1, "severity": "SEV3"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err = srv.client.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("patch: %v %v", err, resp.Status)
		}
		resp.Body.Close()
		want[fmt.Sprintf("incident.updated %d", inc.ID)]++
	}
	time.Sleep(500 * time.Millisecond) // first attempts fail
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.exited

	mu.Lock()
	failing = false
	mu.Unlock()
	again := startServer(t, bin, db, "AFTERMATH_WEBHOOK_ALLOW_PRIVATE=true")
	waitUntil(t, 60*time.Second, "every acknowledged change delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) >= len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	got := map[string]int{}
	for _, e := range delivered {
		got[fmt.Sprintf("%s %d", e.Type, e.IncidentID())]++
	}
	for k := range want {
		if got[k] != 1 {
			t.Errorf("%s: delivered %d times", k, got[k])
		}
	}
	if len(delivered) != len(want) || bad > 0 {
		t.Errorf("%d events delivered, want %d; %d did not verify", len(delivered), len(want), bad)
	}
	again.stop(t, syscall.SIGTERM)
}
