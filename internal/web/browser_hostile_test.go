package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// hostile is markdown that tries every way into a page.
const hostile = `<script>window.__pwned = "script"</script>
[click](javascript:window.__pwned='link') and [data](data:text/html,<script>window.__pwned=1</script>)
<img src=x onerror="window.__pwned='img'"> <iframe src="https://evil.example/"></iframe>
<svg onload="window.__pwned='svg'"><script>window.__pwned='svg-script'</script></svg>
<a href="vbscript:msgbox" onclick="window.__pwned='onclick'">a</a> [entity](&#106;avascript:window.__pwned='entity')
<style>body { display: none }</style> <object data="x.swf"></object> <form action="https://evil.example"><button>go</button></form>
![img](javascript:window.__pwned='image')`

// TestBrowserHostileMarkdown puts hostile markdown in every markdown
// field and a comment, and looks at what reaches the page: no script but
// ours, no frame, no SVG, no event handler, no javascript: or data: link,
// and nothing ran.
func TestBrowserHostileMarkdown(t *testing.T) {
	a := newAPI(t)
	startChromium(t)
	a.addUser("riley", incident.RoleResponder, password)
	inc := fileVia(t, a, map[string]any{"title": "<script>alert(1)</script> title", "service": "<b>svc</b>", "severity": "SEV2",
		"summary": hostile, "description": hostile, "impact": map[string]any{"description": hostile},
		"primary_cause":        map[string]any{"category": "software-bug", "description": hostile, "trigger": "<img src=x onerror=alert(1)>"},
		"contributing_factors": []map[string]any{{"category": "deployment", "description": hostile}},
		"detection_gaps":       []map[string]any{{"category": "runbook", "description": hostile}},
		"timeline":             []map[string]any{{"at": "2025-01-01T10:00:00Z", "kind": "<i>x</i>", "text": hostile}},
		"lessons":              map[string]any{"went_well": hostile, "went_wrong": hostile, "got_lucky": hostile},
		"action_items":         []map[string]any{{"title": "<script>alert(1)</script>", "kind": "prevent", "owner": "<b>o</b>"}},
		"links":                []map[string]any{{"title": "<script>x</script>", "url": "https://example.com/\"onmouseover=\"alert(1)"}},
		"tags":                 []string{"<script>"},
	})
	a.json("POST", fmt.Sprintf("/api/v1/incidents/%d/comments", inc.ID), map[string]any{"body": hostile}, http.StatusCreated, nil)

	b := newTab(t, a)
	b.login("riley", password)
	for _, path := range []string{fmt.Sprintf("/incidents/%d", inc.ID), fmt.Sprintf("/incidents/%d/edit", inc.ID), "/incidents", "/"} {
		b.open(path)
		found := eval[[]string](b, `(function () {
  var bad = [];
  document.querySelectorAll("script").forEach(function (s) { if (!/^\/static\/aftermath\.js\?v=[0-9a-f]+$/.test(s.getAttribute("src") || "")) { bad.push("script " + s.outerHTML.slice(0, 80)); } });
  document.querySelectorAll("iframe, object, embed, style, main svg, base, meta[http-equiv]").forEach(function (e) { bad.push(e.tagName); });
  document.querySelectorAll("*").forEach(function (e) {
    for (var i = 0; i < e.attributes.length; i++) {
      var n = e.attributes[i].name, v = e.attributes[i].value.trim().toLowerCase();
      if (n.indexOf("on") === 0) { bad.push(e.tagName + " " + n); }
      if ((n === "href" || n === "src" || n === "action" || n === "formaction") && /^(javascript|data|vbscript):/.test(v)) { bad.push(e.tagName + " " + n + "=" + v); }
    }
  });
  document.querySelectorAll(".prose form").forEach(function (f) { bad.push("form in markdown"); });
  if (window.__pwned !== undefined) { bad.push("ran: " + window.__pwned); }
  return bad;
})()`)
		if len(found) > 0 {
			t.Errorf("%s: %s", path, strings.Join(found, "; "))
		}
		b.check("hostile markdown " + path)
	}
	// The preview answers with the same safe rendering.
	b.open(fmt.Sprintf("/incidents/%d", inc.ID))
	got := eval[string](b, `(function () {
  var f = new FormData(); f.append("markdown", `+"`"+strings.ReplaceAll(hostile, "`", "")+"`"+`);
  return fetch("/preview", {method: "POST", body: f}).then(function (r) { return r.text(); });
})()`)
	for _, bad := range []string{"<script", "javascript:", "onerror", "<iframe", "<svg", "onload", "data:text"} {
		if strings.Contains(strings.ToLower(got), bad) {
			t.Errorf("the preview lets %s through: %s", bad, got)
		}
	}
}
