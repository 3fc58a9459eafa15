package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/feeds"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// FeedStore is what the feeds and the status need from storage.
type FeedStore interface {
	RecentlyChanged(ctx context.Context, serviceKey string, limit int) ([]incident.Incident, error)
	// ServiceName is the display name of the service with the key.
	ServiceName(ctx context.Context, key string) (name string, ok bool, err error)
	CurrentStatus(ctx context.Context) (*incident.StatusReport, error)
}

// feedParams: feed readers send no headers, so a token may come in the
// URL (and is never logged: the log has the path alone).
var feedParams = []string{"token"}

// tokenFromQuery lets a feed reader's ?token= stand for the bearer header
// it cannot send. A request with an Authorization header keeps it.
func tokenFromQuery(c *gin.Context) {
	if token := c.Query("token"); token != "" && c.GetHeader("Authorization") == "" {
		c.Request.Header.Set("Authorization", "Bearer "+token)
	}
	c.Next()
}

func (s *Server) incidentsFeed(c *gin.Context) {
	s.writeFeed(c, feeds.Feed{Title: "Aftermath: incidents", Path: "/feeds/incidents.atom", Key: "incidents"}, "")
}

// serviceFeed answers /feeds/services/{key}.atom; the service may be
// named by its name or its key.
func (s *Server) serviceFeed(c *gin.Context) {
	file := c.Param("file")
	nameOrKey, ok := strings.CutSuffix(file, ".atom")
	if !ok || nameOrKey == "" {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "There is nothing at %s; a service's feed is /feeds/services/KEY.atom.", c.Request.URL.Path))
		return
	}
	key := incident.ServiceKey(nameOrKey)
	name, found, err := s.store.ServiceName(c.Request.Context(), key)
	if err == nil && !found {
		err = incident.Errorf(incident.ENOTFOUND, "Service %q does not exist.", nameOrKey)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	s.writeFeed(c, feeds.Feed{Title: "Aftermath: incidents of " + name, Path: "/feeds/services/" + key + ".atom",
		Key: "services/" + key}, key)
}

// writeFeed answers a feed of the incidents that changed last. Without
// credentials (the feeds are public) it says only titles and status.
func (s *Server) writeFeed(c *gin.Context, f feeds.Feed, serviceKey string) {
	if err := checkParams(c, feedParams); err != nil {
		writeError(c, err)
		return
	}
	incs, err := s.store.RecentlyChanged(c.Request.Context(), serviceKey, feeds.MaxEntries)
	if err != nil {
		writeError(c, err)
		return
	}
	f.BaseURL, f.Public, f.Now = s.baseURL(c.Request), principal(c) == nil, time.Now()
	body, err := f.Atom(incs)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", body)
}

// status answers the current state, for dashboards and status pages.
func (s *Server) status(c *gin.Context) {
	if err := checkParams(c, feedParams); err != nil {
		writeError(c, err)
		return
	}
	r, err := s.store.CurrentStatus(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
