package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/webhooks"
)

// Store is everything the server needs from storage; *store.Store has it.
type Store interface {
	IncidentStore
	AlertStore
	WebhookStore
	FeedStore
	CommentStore
	ServiceStore
	CatalogStore
	CategoryStore
	PostmortemStore
	StatsStore
	ActionItemStore
	PageStore
	report.SimilarSource
	AuditStore
	webhooks.ManagerStore
	auth.Store
	Ping(ctx context.Context) error
}

// Config wires a Server.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Accounts decides who is asking; nil builds one over Store with the
	// defaults.
	Accounts *auth.Accounts
	// RateLimit is how many requests a second one client (IP address)
	// may make on average, RateBurst how many at once; 0 means no limit.
	// It covers the API and the pages, not the probes and /metrics.
	// `aftermath serve` uses DefaultRateLimit and DefaultRateBurst.
	RateLimit float64
	RateBurst int
	// TrustedProxies are the IP addresses or CIDR ranges whose
	// X-Forwarded-For header names the client, and whose
	// X-Forwarded-Proto says whether the client used HTTPS; none by
	// default.
	TrustedProxies []string
	// TrustedOrigins are other origins (https://ui.example.com) whose
	// browsers may send unsafe requests; none by default.
	TrustedOrigins []string
	// OIDC signs people in through an identity provider; nil offers the
	// password form only.
	OIDC *auth.OIDC
	// Webhooks registers outgoing webhooks; nil builds one over Store
	// that refuses private targets and has no secret key.
	Webhooks *webhooks.Manager
	// Alertmanager maps alert labels to services and severities; the zero
	// value is alertmanager.DefaultMapping().
	Alertmanager alertmanager.Mapping
	// PublicFeeds opens the feeds and the status to anyone, with titles
	// and status only.
	PublicFeeds bool
	// PublicURL is where people reach this server (https://host), for
	// links in feeds and incidents; empty takes the request's host.
	PublicURL string
	// Collectors are more metrics for /metrics (the webhook worker's).
	Collectors []prometheus.Collector
	// RequestTimeout bounds how long a request of the API or the pages may
	// wait for the database (DefaultRequestTimeout when 0), so that one
	// that does not answer (stopped, cut off by the network) fails the
	// request with 503 rather than holding it: PostgreSQL's own timeouts
	// cannot fire on a server that does not run. The export, which streams
	// every post-mortem, is bounded by the server's write timeout instead.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is Config.RequestTimeout's default: the
// statement_timeout the store sets on PostgreSQL.
const DefaultRequestTimeout = 30 * time.Second

// Server routes HTTP requests to handlers.
type Server struct {
	store    Store
	log      *slog.Logger
	router   *gin.Engine
	accounts *auth.Accounts
	oidc     *auth.OIDC
	// sessions has one manager for plain HTTP and one for HTTPS: the
	// cookie is Secure (and __Host-) exactly when the client used HTTPS.
	plainSessions, secureSessions *scs.SessionManager
	proxies                       []netip.Prefix
	crossOrigin                   *http.CrossOriginProtection
	// rules is the route table's access by "METHOD /path", surfaces its
	// surface.
	rules    map[string]Access
	surfaces map[string]surface
	// requestTimeout bounds a request's wait for the database.
	requestTimeout time.Duration
	// openAPIDoc is the OpenAPI description of the routes, built once.
	openAPIDoc []byte

	webhooks     *webhooks.Manager
	alertMapping alertmanager.Mapping
	publicFeeds  bool
	publicURL    string
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Accounts == nil {
		cfg.Accounts = auth.New(auth.Config{Store: cfg.Store})
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = &webhooks.Manager{Store: cfg.Store, Keyring: webhooks.NoKeyring("the server was started without one")}
	}
	if cfg.Alertmanager.SeverityLabel == "" {
		cfg.Alertmanager = alertmanager.DefaultMapping()
	}
	s := &Server{store: cfg.Store, log: cfg.Logger, router: gin.New(),
		accounts: cfg.Accounts, oidc: cfg.OIDC, rules: map[string]Access{}, surfaces: map[string]surface{},
		requestTimeout: cfg.RequestTimeout, webhooks: cfg.Webhooks, alertMapping: cfg.Alertmanager,
		publicFeeds: cfg.PublicFeeds, publicURL: strings.TrimSuffix(cfg.PublicURL, "/")}
	s.plainSessions = s.newSessionManager(false)
	s.secureSessions = s.newSessionManager(true)
	s.crossOrigin = newCrossOriginProtection(cfg.TrustedOrigins, cfg.Logger)
	r := s.router
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	metrics := newMetrics(cfg.Store, cfg.Collectors...)
	s.proxies = trustProxies(r, cfg.TrustedProxies, cfg.Logger)
	r.Use(withRequestID(cfg.Logger), logRequests, metrics.observe, recoverPanics, s.refuseCrossOrigin)
	r.NoRoute(func(c *gin.Context) {
		// A browser that asked for a page gets one; scripts, the JSON.
		if !strings.HasPrefix(c.Request.URL.Path, "/api/") && strings.Contains(c.GetHeader("Accept"), "text/html") {
			c.Set(pageKey, true)
		}
		writeError(c, incident.Errorf(incident.ENOTFOUND, "There is nothing at %s.", c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{
			Code: "method_not_allowed", Message: c.Request.Method + " is not allowed here.", RequestID: requestID(c)}})
	})
	limiter := newRateLimiter(cfg.RateLimit, cfg.RateBurst, metrics)
	for _, rt := range s.routes(metrics) {
		r.Handle(rt.method, rt.path, s.chain(rt, limiter)...)
		s.rules[rt.method+" "+rt.path] = rt.access
		s.surfaces[rt.method+" "+rt.path] = rt.surface
	}
	doc, err := s.openAPI()
	if err != nil {
		panic("the OpenAPI description: " + err.Error()) // the route table and apiOperations disagree: a bug
	}
	s.openAPIDoc = doc
	return s
}

// routes is the route table: every route with who may call it.
func (s *Server) routes(m *metrics) []route {
	const (
		probe  = probeSurface
		api    = apiSurface
		page   = pageSurface
		static = staticSurface
	)
	const (
		feed        = feedSurface
		integration = integrationSurface
	)
	open, signedIn, viewer, responder, admin := AccessOpen, AccessSignedIn, AccessViewer, AccessResponder, AccessAdmin
	// The feeds and the status are open with --public-feeds, and then
	// say less to those who do not sign in.
	feeds := viewer
	if s.publicFeeds {
		feeds = open
	}
	return []route{
		{"GET", "/healthz", open, probe, noBody, s.healthz},
		{"GET", "/readyz", open, probe, noBody, s.readyz},
		{"GET", "/metrics", signedIn, probe, noBody, m.handler(s.log)},
		{"GET", "/static/*filepath", open, static, noBody, serveStatic},
		{"HEAD", "/static/*filepath", open, static, noBody, serveStatic},

		{"GET", "/login", open, page, noBody, s.loginPage},
		{"POST", "/login", open, page, formBody, s.login},
		{"POST", "/logout", open, page, formBody, s.logout},
		{"GET", "/login/oidc", open, page, noBody, s.beginOIDC},
		{"GET", "/login/oidc/callback", open, page, noBody, s.finishOIDC},
		{"GET", "/favicon.ico", open, static, noBody, favicon},
		{"GET", "/", viewer, page, noBody, s.home},
		{"GET", "/incidents", viewer, page, noBody, s.incidentsPage},
		{"GET", "/incidents/new", responder, page, noBody, s.newIncidentPage},
		{"POST", "/incidents", responder, page, formBody, s.createIncidentPage},
		{"POST", "/incidents/similar", responder, page, formBody, s.similarFragment},
		{"POST", "/incidents/failure-modes", responder, page, formBody, s.modesFragment},
		{"GET", "/incidents/:id", viewer, page, noBody, s.incidentPage},
		{"POST", "/incidents/:id", responder, page, formBody, s.updateIncidentPage},
		{"GET", "/incidents/:id/edit", responder, page, noBody, s.editIncidentPage},
		{"GET", "/incidents/:id/postmortem.md", viewer, page, noBody, s.downloadPostmortem},
		{"POST", "/incidents/:id/comments", responder, page, formBody, s.addCommentPage},
		{"POST", "/incidents/:id/status", responder, page, formBody, s.changeStatus},
		{"POST", "/incidents/:id/action-items/:item", responder, page, formBody, s.changeActionItem},
		{"GET", "/incidents/:id/delete", admin, page, noBody, s.deleteIncidentPage},
		{"POST", "/incidents/:id/delete", admin, page, formBody, s.deleteIncidentConfirmed},
		{"POST", "/preview", responder, page, formBody, previewMarkdown},
		{"GET", "/action-items", viewer, page, noBody, s.actionItemsPage},
		{"GET", "/reports", viewer, page, noBody, s.reportsPage},
		{"GET", "/services", viewer, page, noBody, s.servicesPage},
		{"GET", "/services/:key", viewer, page, noBody, s.servicePage},
		{"POST", "/services/:key", responder, page, formBody, s.updateServicePage},
		{"POST", "/services/:key/failure-modes", responder, page, formBody, s.createModePage},
		{"POST", "/services/:key/failure-modes/:slug", responder, page, formBody, s.updateModePage},
		{"POST", "/services/:key/failure-modes/:slug/delete", responder, page, formBody, s.deleteModePage},
		{"GET", "/account", viewer, page, noBody, s.accountPage},
		{"POST", "/account/password", viewer, page, formBody, s.changePasswordPage},
		{"POST", "/account/tokens", viewer, page, formBody, s.createOwnTokenPage},
		{"POST", "/account/tokens/:id/revoke", viewer, page, formBody, s.revokeOwnTokenPage},
		{"GET", "/admin/users", admin, page, noBody, s.adminUsersPage},
		{"POST", "/admin/users", admin, page, formBody, s.createUserPage},
		{"POST", "/admin/users/:name", admin, page, formBody, s.updateUserPage},
		{"POST", "/admin/users/:name/delete", admin, page, formBody, s.deleteUserPage},
		{"GET", "/admin/tokens", admin, page, noBody, s.adminTokensPage},
		{"POST", "/admin/tokens", admin, page, formBody, s.createTokenPage},
		{"POST", "/admin/tokens/:id/revoke", admin, page, formBody, s.revokeTokenPage},
		{"GET", "/admin/vocabularies", admin, page, noBody, s.adminVocabulariesPage},
		{"POST", "/admin/vocabularies", admin, page, formBody, s.addCategoryPage},
		{"GET", "/admin/webhooks", admin, page, noBody, s.webhooksPage},
		{"POST", "/admin/webhooks", admin, page, formBody, s.createWebhookPage},
		{"GET", "/admin/webhooks/:id", admin, page, noBody, s.webhookLogPage},
		{"POST", "/admin/webhooks/:id", admin, page, formBody, s.updateWebhookPage},

		{"GET", "/api/v1/me", signedIn, api, noBody, s.me},
		{"POST", "/api/v1/me/password", signedIn, api, jsonBody, s.changeOwnPassword},
		{"POST", "/api/v1/incidents", responder, api, jsonBody, s.createIncident},
		{"GET", "/api/v1/incidents", viewer, api, noBody, s.listIncidents},
		{"GET", "/api/v1/incidents/:id", viewer, api, noBody, s.getIncident},
		{"PATCH", "/api/v1/incidents/:id", responder, api, jsonBody, s.patchIncident},
		{"DELETE", "/api/v1/incidents/:id", admin, api, noBody, s.deleteIncident},
		{"GET", "/api/v1/incidents/:id/postmortem.md", viewer, api, noBody, s.getPostmortem},
		{"POST", "/api/v1/incidents/:id/comments", responder, api, jsonBody, s.addComment},
		{"GET", "/api/v1/incidents/:id/comments", viewer, api, noBody, s.listComments},
		{"GET", "/api/v1/services", viewer, api, noBody, s.listServices},
		{"GET", "/api/v1/services/:key", viewer, api, noBody, s.getService},
		{"PATCH", "/api/v1/services/:key", responder, api, jsonBody, s.patchService},
		{"GET", "/api/v1/services/:key/failure-modes", viewer, api, noBody, s.listFailureModes},
		{"POST", "/api/v1/services/:key/failure-modes", responder, api, jsonBody, s.createFailureMode},
		{"GET", "/api/v1/services/:key/failure-modes/:slug", viewer, api, noBody, s.getFailureMode},
		{"PATCH", "/api/v1/services/:key/failure-modes/:slug", responder, api, jsonBody, s.patchFailureMode},
		{"DELETE", "/api/v1/services/:key/failure-modes/:slug", responder, api, noBody, s.deleteFailureMode},
		{"GET", "/api/v1/catalog", viewer, api, noBody, s.exportCatalog},
		{"POST", "/api/v1/catalog", responder, api, yamlBody, s.importCatalog},
		{"POST", "/api/v1/import", responder, api, markdownBody, s.importPostmortem},
		{"GET", "/api/v1/export.zip", viewer, api, noBody, s.exportZip},
		{"GET", "/api/v1/reports/patterns", viewer, api, noBody, s.patternReport},
		{"GET", "/api/v1/reports/patterns.md", viewer, api, noBody, s.patternReportMarkdown},
		{"GET", "/api/v1/categories", viewer, api, noBody, s.listCategories},
		{"POST", "/api/v1/categories", admin, api, jsonBody, s.addCategory},
		{"GET", "/api/v1/audit", admin, api, noBody, s.listAudit},
		{"GET", "/api/v1/users", admin, api, noBody, s.listUsers},
		{"POST", "/api/v1/users", admin, api, jsonBody, s.createUser},
		{"PATCH", "/api/v1/users/:name", admin, api, jsonBody, s.patchUser},
		{"DELETE", "/api/v1/users/:name", admin, api, noBody, s.deleteUser},
		// Tokens: everyone manages their own; the handlers let an admin
		// manage anyone's.
		{"GET", "/api/v1/tokens", viewer, api, noBody, s.listTokens},
		{"POST", "/api/v1/tokens", viewer, api, jsonBody, s.createToken},
		{"DELETE", "/api/v1/tokens/:id", viewer, api, noBody, s.revokeToken},

		{"POST", "/api/v1/integrations/alertmanager", responder, integration, jsonBody, s.receiveAlerts},
		{"GET", "/api/v1/webhooks", admin, api, noBody, s.listWebhooks},
		{"POST", "/api/v1/webhooks", admin, api, jsonBody, s.createWebhook},
		{"GET", "/api/v1/webhooks/:id", admin, api, noBody, s.getWebhook},
		{"PATCH", "/api/v1/webhooks/:id", admin, api, jsonBody, s.patchWebhook},
		{"DELETE", "/api/v1/webhooks/:id", admin, api, noBody, s.deleteWebhook},
		{"POST", "/api/v1/webhooks/:id/rotate-secret", admin, api, jsonBody, s.rotateWebhookSecret},
		{"GET", "/api/v1/webhooks/:id/deliveries", admin, api, noBody, s.listDeliveries},
		{"GET", "/api/v1/status", feeds, feed, noBody, s.status},
		{"GET", "/feeds/incidents.atom", feeds, feed, noBody, s.incidentsFeed},
		{"GET", "/feeds/services/:file", feeds, feed, noBody, s.serviceFeed},
		{"GET", "/api/v1/openapi.json", viewer, api, noBody, s.serveOpenAPI},
	}
}

// chain is the middleware a route runs through, by its surface, then its
// handler. Probes are never limited; everything else is (the API's limit
// covers the pages too) and has its body capped.
func (s *Server) chain(rt route, limiter *rateLimiter) []gin.HandlerFunc {
	var h []gin.HandlerFunc
	if (rt.surface == apiSurface || rt.surface == pageSurface) && rt.path != "/api/v1/export.zip" {
		h = append(h, withDeadline(s.requestTimeout))
	}
	switch rt.surface {
	case probeSurface:
		if rt.access != AccessOpen {
			h = append(h, s.loadSessionUnlessBearer, s.authenticate)
		}
	case apiSurface:
		h = append(h, noStore, limiter.middleware, limitBody, s.loadSessionUnlessBearer, s.authenticate)
	case pageSurface:
		h = append(h, markPage, noStore, limiter.middleware, limitBody, s.loadSession, s.authenticate)
	case staticSurface:
		h = append(h, limiter.middleware)
	case feedSurface:
		h = append(h, noStore, limiter.middleware, tokenFromQuery, s.loadSessionUnlessBearer, s.authenticate)
	case integrationSurface:
		h = append(h, noStore, limitBody, s.loadSessionUnlessBearer, s.authenticate)
	}
	h = append(h, authorize(rt.access))
	if rt.body != noBody {
		h = append(h, requireContentType(rt.body))
	}
	return append(h, rt.handle)
}

// ServeHTTP makes the Server an http.Handler. The security headers are set
// here, before anything else runs, so that every answer carries them:
// errors, redirects, 404s and static files alike.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), s.isHTTPS(r))
	s.router.ServeHTTP(w, r)
}

// Close writes what the server holds in memory (when tokens were last
// used); call it after the HTTP server has stopped.
func (s *Server) Close(ctx context.Context) error { return s.accounts.FlushUsage(ctx) }

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when the database answers a query in time.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		logger(c).Warn("not ready", "error", err.Error())
		c.JSON(http.StatusServiceUnavailable, errorBody{Error: errorDetail{
			Code: incident.EUNAVAILABLE, Message: "The database does not answer.", RequestID: requestID(c)}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
