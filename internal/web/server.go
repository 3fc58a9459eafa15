package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Store is everything the server needs from storage; *store.Store has it.
type Store interface {
	IncidentStore
	CommentStore
	ServiceStore
	CategoryStore
	PostmortemStore
	StatsStore
	Ping(ctx context.Context) error
}

// Config wires a Server.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// RateLimit is how many API requests a second one client (IP address)
	// may make on average, RateBurst how many at once; 0 means no limit.
	// `aftermath serve` uses DefaultRateLimit and DefaultRateBurst.
	RateLimit float64
	RateBurst int
	// TrustedProxies are the IP addresses or CIDR ranges whose
	// X-Forwarded-For header names the client; none by default.
	TrustedProxies []string
}

// Server routes HTTP requests to handlers.
type Server struct {
	store  Store
	log    *slog.Logger
	router *gin.Engine
	pages  *pages
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{store: cfg.Store, log: cfg.Logger, router: gin.New(), pages: parsePages()}
	r := s.router
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	metrics := newMetrics(cfg.Store)
	trustProxies(r, cfg.TrustedProxies, cfg.Logger)
	r.Use(withRequestID(cfg.Logger), logRequests, metrics.observe, recoverPanics, securityHeaders)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "There is nothing at %s.", c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{
			Code: "method_not_allowed", Message: c.Request.Method + " is not allowed here.", RequestID: requestID(c)}})
	})

	r.GET("/", s.home)
	r.StaticFS("/static", staticFiles())
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", metrics.handler(cfg.Logger))

	api := r.Group("/api/v1", newRateLimiter(cfg.RateLimit, cfg.RateBurst, metrics).middleware, limitBody)
	api.POST("/incidents", s.createIncident)
	api.GET("/incidents", s.listIncidents)
	api.GET("/incidents/:id", s.getIncident)
	api.PATCH("/incidents/:id", s.patchIncident)
	api.DELETE("/incidents/:id", s.deleteIncident)
	api.GET("/incidents/:id/postmortem.md", s.getPostmortem)
	api.POST("/incidents/:id/comments", s.addComment)
	api.GET("/incidents/:id/comments", s.listComments)
	api.GET("/services", s.listServices)
	api.GET("/services/:key", s.getService)
	api.PATCH("/services/:key", s.patchService)
	api.POST("/import", s.importPostmortem)
	api.GET("/export.zip", s.exportZip)
	api.GET("/reports/patterns", s.patternReport)
	api.GET("/reports/patterns.md", s.patternReportMarkdown)
	api.GET("/categories", s.listCategories)
	api.POST("/categories", s.addCategory)
	return s
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

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
			Code: "unavailable", Message: "The database does not answer.", RequestID: requestID(c)}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
