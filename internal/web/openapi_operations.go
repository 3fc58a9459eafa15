package web

import (
	"net/http"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// items is the shape of every list the API answers.
type items[T any] struct {
	Items []T `json:"items"`
}

// statusAnswer is what the probes and the Alertmanager receiver answer.
type statusAnswer struct {
	Status string `json:"status"`
}

// apiOperations describes what each route of the probe, API, feed and
// integration surfaces takes and answers, by "METHOD path" as in the
// route table. A route without an entry makes the server refuse to start
// (and the tests fail): it would be missing from the description.
var apiOperations = map[string]operationDoc{
	"GET /healthz":   {summary: "Liveness: the process answers", status: http.StatusOK, answer: statusAnswer{}},
	"GET /readyz":    {summary: "Readiness: the database answers (503 when it does not)", status: http.StatusOK, answer: statusAnswer{}},
	"GET /metrics":   {summary: "Prometheus metrics, in the text format (any valid token)", status: http.StatusOK, answer: "text/plain"},
	"GET /api/v1/me": {summary: "Who the credentials name", status: http.StatusOK, answer: meAnswer{}},
	"POST /api/v1/me/password": {summary: "Change one's own password; every session of the account ends",
		body: passwordChange{}, status: http.StatusNoContent},

	"POST /api/v1/incidents": {summary: "File an incident", body: incident.Incident{}, status: http.StatusCreated, answer: incident.Incident{}},
	"GET /api/v1/incidents": {summary: "List incidents, newest first, with filters, full-text search, a cursor and a total",
		query: listParams, status: http.StatusOK, answer: incident.Page{}},
	"GET /api/v1/incidents/:id": {summary: "One incident", status: http.StatusOK, answer: incident.Incident{}},
	"PATCH /api/v1/incidents/:id": {summary: "Change an incident: a JSON merge patch carrying the version it was read at (409 if stale)",
		body: incident.Incident{}, status: http.StatusOK, answer: incident.Incident{}},
	"DELETE /api/v1/incidents/:id":            {summary: "Delete an incident (admin)", status: http.StatusNoContent},
	"GET /api/v1/incidents/:id/postmortem.md": {summary: "The post-mortem as markdown with YAML front matter", status: http.StatusOK, answer: "text/markdown"},
	"POST /api/v1/incidents/:id/comments":     {summary: "Comment on an incident; the author is whoever the credentials name", body: newComment{}, status: http.StatusCreated, answer: incident.Comment{}},
	"GET /api/v1/incidents/:id/comments":      {summary: "An incident's discussion, oldest first", status: http.StatusOK, answer: items[incident.Comment]{}},
	"GET /api/v1/services":                    {summary: "Every service with its incident count and relations", status: http.StatusOK, answer: items[incident.ServiceSummary]{}},
	"GET /api/v1/services/:key":               {summary: "One service (by name or key) with its history, patterns and blast radius", query: historyParams, status: http.StatusOK, answer: serviceDetail{}},
	"PATCH /api/v1/services/:key":             {summary: "Change a service's name, dependencies, dependents or industries", body: incident.ServiceChange{}, status: http.StatusOK, answer: incident.Service{}},
	"GET /api/v1/services/:key/failure-modes": {summary: "A service's failure modes, each with its status history", status: http.StatusOK, answer: items[incident.FailureMode]{}},
	"POST /api/v1/services/:key/failure-modes": {summary: "Add a failure mode to a service: slug and title required, status unmitigated unless given",
		body: incident.FailureModeChange{}, status: http.StatusCreated, answer: incident.FailureMode{}},
	"GET /api/v1/services/:key/failure-modes/:slug": {summary: "One failure mode with its status history", status: http.StatusOK, answer: incident.FailureMode{}},
	"PATCH /api/v1/services/:key/failure-modes/:slug": {summary: "Change a failure mode; a version, when given, must be the stored one (409 otherwise); a status change joins its history",
		body: incident.FailureModeChange{}, status: http.StatusOK, answer: incident.FailureMode{}},
	"DELETE /api/v1/services/:key/failure-modes/:slug": {summary: "Delete a failure mode that no incident links (409 otherwise)", status: http.StatusNoContent},
	"GET /api/v1/catalog":                              {summary: "The service catalogue in Aftermath's format (aftermath-catalog/1), failure modes and industries included", status: http.StatusOK, answer: yamlMediaType},
	"POST /api/v1/catalog": {summary: "Import Backstage descriptors (catalog-info.yaml, several documents) or Aftermath's catalogue; the same upload again changes nothing",
		body: yamlMediaType, status: http.StatusOK, answer: incident.CatalogImport{}},
	"POST /api/v1/import":                     {summary: "Import one markdown post-mortem (ours or icco/postmortems): 201 created, 200 updated or unchanged, 409 older than the stored one", body: "text/markdown", status: http.StatusCreated, also: []int{http.StatusOK}, answer: incident.Incident{}},
	"GET /api/v1/export.zip":                  {summary: "Every post-mortem matching the filters, with comments, catalogue and vocabularies, as one zip", query: exportParams, status: http.StatusOK, answer: "application/zip"},
	"GET /api/v1/reports/patterns":            {summary: "The pattern report", query: reportParams, status: http.StatusOK, answer: report.Report{}},
	"GET /api/v1/reports/patterns.md":         {summary: "The pattern report as markdown", query: reportParams, status: http.StatusOK, answer: "text/markdown"},
	"GET /api/v1/categories":                  {summary: "The cause and gap vocabularies", status: http.StatusOK, answer: items[incident.Category]{}},
	"POST /api/v1/categories":                 {summary: "Add a category to a vocabulary (admin)", body: incident.Category{}, status: http.StatusCreated, answer: incident.Category{}},
	"GET /api/v1/audit":                       {summary: "The audit log, newest first (admin)", query: []string{"actor", "action", "entity", "since", "until", "limit", "cursor"}, status: http.StatusOK, answer: incident.AuditPage{}},
	"GET /api/v1/users":                       {summary: "Every account (admin)", status: http.StatusOK, answer: items[incident.User]{}},
	"POST /api/v1/users":                      {summary: "Make an account (admin)", body: newUser{}, status: http.StatusCreated, answer: incident.User{}},
	"PATCH /api/v1/users/:name":               {summary: "Change an account's role or password, or end its sessions (admin)", body: userPatch{}, status: http.StatusOK, answer: incident.User{}},
	"DELETE /api/v1/users/:name":              {summary: "Delete an account (admin)", status: http.StatusNoContent},
	"GET /api/v1/tokens":                      {summary: "One's own API tokens (an admin: anyone's, or ?user=)", query: []string{"user"}, status: http.StatusOK, answer: items[incident.APIToken]{}},
	"POST /api/v1/tokens":                     {summary: "Make an API token; the token is shown this once", body: newToken{}, status: http.StatusCreated, answer: createdToken{}},
	"DELETE /api/v1/tokens/:id":               {summary: "Revoke an API token", status: http.StatusNoContent},
	"POST /api/v1/integrations/alertmanager":  {summary: "Prometheus Alertmanager's webhook (payload version 4): opens and follows incidents", body: alertmanager.Message{}, status: http.StatusOK, answer: statusAnswer{}},
	"GET /api/v1/webhooks":                    {summary: "Outgoing webhooks (admin)", status: http.StatusOK, answer: items[incident.Webhook]{}},
	"POST /api/v1/webhooks":                   {summary: "Register an outgoing webhook (admin); its signing secret is shown this once", body: newWebhook{}, status: http.StatusCreated, answer: createdWebhook{}},
	"GET /api/v1/webhooks/:id":                {summary: "One outgoing webhook (admin)", status: http.StatusOK, answer: incident.Webhook{}},
	"PATCH /api/v1/webhooks/:id":              {summary: "Change a webhook's URL, description, events, or enable or disable it (admin)", body: incident.WebhookChange{}, status: http.StatusOK, answer: incident.Webhook{}},
	"DELETE /api/v1/webhooks/:id":             {summary: "Delete a webhook and its delivery log (admin)", status: http.StatusNoContent},
	"POST /api/v1/webhooks/:id/rotate-secret": {summary: "Give a webhook a new signing secret (shown this once); the old one signs beside it for the overlap (24h unless given)", body: rotation{}, status: http.StatusOK, answer: rotatedSecret{}},
	"GET /api/v1/webhooks/:id/deliveries":     {summary: "A webhook's delivery log, newest first (admin)", query: deliveryParams, status: http.StatusOK, answer: incident.DeliveryPage{}},
	"GET /api/v1/status":                      {summary: "The current state for dashboards and status pages", query: feedParams, status: http.StatusOK, answer: incident.StatusReport{}},
	"GET /feeds/incidents.atom":               {summary: "An Atom feed of the incidents that changed last", query: feedParams, status: http.StatusOK, answer: "application/atom+xml"},
	"GET /feeds/services/:file":               {summary: "An Atom feed of one service's incidents: /feeds/services/KEY.atom", query: feedParams, status: http.StatusOK, answer: "application/atom+xml"},
	"GET /api/v1/openapi.json":                {summary: "This description of the API (OpenAPI 3.1)", status: http.StatusOK, answer: "application/json"},
}

// queryParamDescriptions say what the query parameters mean.
var queryParamDescriptions = map[string]string{
	"service":        "a service's name or key",
	"severity":       "SEV1 … SEV4",
	"status":         "investigating, identified, monitoring or resolved",
	"outage_type":    "regional, global, partial or cascading",
	"cause_category": "a cause category's slug",
	"tag":            "a tag",
	"q":              `full text: words, "phrases", prefix*, a OR b, -word`,
	"since":          "on or after (RFC 3339 or YYYY-MM-DD)",
	"until":          "before (RFC 3339 or YYYY-MM-DD)",
	"limit":          "page size, 1 to 500",
	"cursor":         "the next_cursor of the page before",
	"recent":         "how many recent incidents to list",
	"actor":          "a user name",
	"action":         "an audit action, such as incident.update",
	"entity":         "a kind (incident) or a kind and id (incident/42)",
	"user":           "whose tokens (admin)",
	"token":          "an API token, for feed readers that cannot send headers",
}
