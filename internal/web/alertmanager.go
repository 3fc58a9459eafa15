package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// AlertStore is what the Alertmanager receiver needs from storage.
type AlertStore interface {
	ReceiveAlerts(ctx context.Context, n *incident.AlertNotification) error
}

// receiveAlerts takes an Alertmanager webhook notification. It answers
// only once what the notification changed is committed, so that
// Alertmanager re-sends anything that was not; a repeat changes nothing.
func (s *Server) receiveAlerts(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	msg, err := alertmanager.Parse(data)
	if err != nil {
		writeError(c, err)
		return
	}
	n := s.alertMapping.Notification(msg)
	n.BaseURL = s.baseURL(c.Request)
	if err := s.store.ReceiveAlerts(c.Request.Context(), n); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "accepted"})
}

// baseURL is where this server's pages are, as links should name them:
// --public-url, else the scheme and host the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
