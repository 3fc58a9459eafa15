package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestServicesAreCreatedOnFirstUseByKey(t *testing.T) {
	a := newAPI(t)
	for _, name := range []string{"Travis CI", "TravisCI", "travis-ci"} {
		var m map[string]any
		json.Unmarshal(readExample(t), &m)
		m["service"] = name
		a.json("POST", "/api/v1/incidents", m, http.StatusCreated, nil)
	}
	var list struct {
		Items []struct {
			Key, Name string
			Incidents int
		}
	}
	a.json("GET", "/api/v1/services", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Key != "travisci" || list.Items[0].Name != "Travis CI" || list.Items[0].Incidents != 3 {
		t.Fatalf("services: %+v", list.Items)
	}
}

func TestServiceRelationsAreEditable(t *testing.T) {
	a := newAPI(t)
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	var svc incident.Service
	a.json("PATCH", "/api/v1/services/linktree", map[string]any{
		"depends_on": []string{"Payments DB", "Stripe"},
		"dependents": []string{"Creator Storefront"},
		"industries": []string{"social media management", "content creators"},
	}, http.StatusOK, &svc)
	if !slices.Equal(svc.DependsOn, []string{"paymentsdb", "stripe"}) || !slices.Equal(svc.Dependents, []string{"creatorstorefront"}) {
		t.Fatalf("relations: %+v", svc)
	}
	var stripe incident.Service
	a.json("GET", "/api/v1/services/Stripe", nil, http.StatusOK, &stripe)
	if !slices.Equal(stripe.Dependents, []string{"linktree"}) {
		t.Fatalf("stripe: %+v", stripe)
	}
	var e apiError
	a.json("PATCH", "/api/v1/services/linktree", map[string]any{"depends_on": []string{"linktree"}}, http.StatusUnprocessableEntity, &e)
	a.json("PATCH", "/api/v1/services/nosuch", map[string]any{"depends_on": []string{"x"}}, http.StatusNotFound, &e)
	a.json("GET", "/api/v1/services/linktree", nil, http.StatusOK, &svc)
	if len(svc.DependsOn) != 2 {
		t.Fatalf("refused change changed relations: %+v", svc)
	}
}

func TestCategoriesAreExtensible(t *testing.T) {
	a := newAPI(t)
	var m map[string]any
	json.Unmarshal(readExample(t), &m)
	m["detection_gaps"] = []map[string]string{{"category": "synthetic-checks", "description": "none ran"}}
	m["action_items"] = []any{}
	a.json("POST", "/api/v1/incidents", m, http.StatusUnprocessableEntity, nil)
	a.json("POST", "/api/v1/categories", map[string]string{"kind": "gap", "slug": "synthetic-checks"}, http.StatusCreated, nil)
	a.json("POST", "/api/v1/categories", map[string]string{"kind": "gap", "slug": "synthetic-checks"}, http.StatusUnprocessableEntity, nil)
	a.json("POST", "/api/v1/categories", map[string]string{"kind": "gap", "slug": "Not A Slug"}, http.StatusUnprocessableEntity, nil)
	a.json("POST", "/api/v1/incidents", m, http.StatusCreated, nil)
}

func TestHealthAndReadiness(t *testing.T) {
	a := newAPI(t)
	a.json("GET", "/healthz", nil, http.StatusOK, nil)
	a.json("GET", "/readyz", nil, http.StatusOK, nil)
	a.store.Close()
	a.json("GET", "/readyz", nil, http.StatusServiceUnavailable, nil)
}

func TestHomePageEscapesTitles(t *testing.T) {
	a := newAPI(t)
	var m map[string]any
	json.Unmarshal(readExample(t), &m)
	m["title"] = `<script>alert("x")</script> outage`
	a.json("POST", "/api/v1/incidents", m, http.StatusCreated, nil)
	status, body := a.do("GET", "/", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if strings.Contains(string(body), "<script>alert") || !strings.Contains(string(body), "&lt;script&gt;") {
		t.Fatalf("title not escaped: %s", body)
	}
	if status, _ := a.do("GET", "/static/aftermath.css", nil); status != http.StatusOK {
		t.Fatalf("stylesheet: %d", status)
	}
}
