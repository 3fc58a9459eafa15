package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// TestOpenAPI: GET /api/v1/openapi.json is a valid OpenAPI 3.1 document
// (kin-openapi's validator) that describes every route of the router,
// walked from the router's own list; and the check every web test runs
// on its requests and answers does refuse what departs from it.
func TestOpenAPI(t *testing.T) {
	for _, cfg := range []web.Config{{}, {PublicFeeds: true}} {
		a := newAPIWith(t, cfg)
		resp, data := a.as(incident.RoleViewer).get("/api/v1/openapi.json")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("not a valid OpenAPI document: %v", err)
		}
		if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
			t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
		}
		routes := a.server.Routes()
		described := 0
		for _, r := range routes {
			item := doc.Paths.Find(web.OpenAPIPath(r.Path))
			if item == nil || item.GetOperation(r.Method) == nil {
				t.Errorf("%s %s is not in the description", r.Method, r.Path)
				continue
			}
			op := item.GetOperation(r.Method)
			if op.Summary == "" || op.Responses.Len() == 0 {
				t.Errorf("%s %s: no summary or no answers", r.Method, r.Path)
			}
			secured := op.Security != nil && len(*op.Security) > 0 && len((*op.Security)[0]) > 0
			if secured == (r.Access == web.AccessOpen) {
				t.Errorf("%s %s: access %s, but the description's security is %v", r.Method, r.Path, r.Access, op.Security)
			}
			described++
		}
		operations := 0
		for _, item := range doc.Paths.Map() {
			operations += len(item.Operations())
		}
		if described != len(routes) || operations != len(routes) {
			t.Errorf("%d routes, %d described, %d operations in the document", len(routes), described, operations)
		}
	}

	// The check refuses an answer that departs from the description.
	a := newAPI(t)
	req := a.request("GET", "/api/v1/webhooks", nil)
	fake := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	if errs := a.spec.problems(req, nil, fake, []byte(`{"items": "not a list"}`)); len(errs) == 0 {
		t.Error("a wrong answer passed the check")
	}
	if errs := a.spec.problems(req, nil, fake, []byte(`{"items": []}`)); len(errs) != 0 {
		t.Errorf("a right answer failed the check: %v", errs)
	}
	wrongStatus := &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}}}
	if errs := a.spec.problems(req, nil, wrongStatus, []byte(`{"items": []}`)); len(errs) == 0 {
		t.Error("an answer with a status the route does not give passed the check")
	}
	post := a.request("POST", "/api/v1/webhooks", []byte(`{"url": 5}`))
	created := &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}}}
	if errs := a.spec.problems(post, []byte(`{"url": 5}`), created, []byte(`{}`)); len(errs) == 0 {
		t.Error("an accepted request that departs from the description passed the check")
	}
}
