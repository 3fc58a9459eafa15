package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/webhooks"
)

// WebhookStore is what the webhook handlers read and delete directly;
// what needs the secret key goes through the webhooks.Manager.
type WebhookStore interface {
	Webhooks(ctx context.Context) ([]incident.Webhook, error)
	Webhook(ctx context.Context, id int64) (*incident.Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	Deliveries(ctx context.Context, webhookID, before int64, limit int) (*incident.DeliveryPage, error)
}

// newWebhook is a webhook as posted.
type newWebhook struct {
	URL         string               `json:"url"`
	Description string               `json:"description"`
	Events      []incident.EventType `json:"events"`
}

// createdWebhook is the answer to a creation: the webhook and its secret,
// shown this once.
type createdWebhook struct {
	incident.Webhook
	Secret string `json:"secret"`
}

func (s *Server) listWebhooks(c *gin.Context) {
	hooks, err := s.store.Webhooks(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": hooks})
}

func (s *Server) createWebhook(c *gin.Context) {
	var in newWebhook
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	w := incident.Webhook{URL: in.URL, Description: in.Description, Events: in.Events}
	secret, err := s.webhooks.Create(c.Request.Context(), &w)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/webhooks/"+strconv.FormatInt(w.ID, 10))
	c.JSON(http.StatusCreated, createdWebhook{Webhook: w, Secret: secret})
}

func (s *Server) getWebhook(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	w, err := s.store.Webhook(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

func (s *Server) patchWebhook(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var change incident.WebhookChange
	if err := decodeJSON(c, &change); err != nil {
		writeError(c, err)
		return
	}
	w, err := s.webhooks.Update(c.Request.Context(), id, change)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

func (s *Server) deleteWebhook(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := s.store.DeleteWebhook(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// rotation is the body of a secret rotation: how long the old secret
// still signs (a Go duration, "24h" by default; "0s" for not at all).
type rotation struct {
	Overlap *string `json:"overlap"`
}

// rotatedSecret is the answer to a rotation: the new secret, shown once.
type rotatedSecret struct {
	Secret              string     `json:"secret"`
	PreviousSecretUntil *time.Time `json:"previous_secret_until"`
}

func (s *Server) rotateWebhookSecret(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var in rotation
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			writeError(c, err)
			return
		}
	}
	overlap, err := parseOverlap(in.Overlap)
	if err != nil {
		writeError(c, err)
		return
	}
	secret, until, err := s.webhooks.RotateSecret(c.Request.Context(), id, overlap)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, rotatedSecret{Secret: secret, PreviousSecretUntil: until})
}

// parseOverlap reads a rotation's overlap; nil is the default.
func parseOverlap(raw *string) (time.Duration, error) {
	if raw == nil {
		return webhooks.DefaultOverlap, nil
	}
	d, err := time.ParseDuration(*raw)
	if err != nil {
		return 0, &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{"overlap": "must be a duration such as 24h, 90m or 0s"}}
	}
	return d, nil
}

var deliveryParams = []string{"limit", "cursor"}

func (s *Server) listDeliveries(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := checkParams(c, deliveryParams); err != nil {
		writeError(c, err)
		return
	}
	var errs incident.FieldErrors
	limit := limitParam(c, &errs)
	before := deliveryCursor(c, &errs, "must be the next_cursor of an earlier page")
	if err := badParams(&errs); err != nil {
		writeError(c, err)
		return
	}
	page, err := s.store.Deliveries(c.Request.Context(), id, before, limit)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// deliveryCursor reads the cursor of a delivery log's page: the id the
// page starts below, 0 for the first page. A cursor that is not one is
// added to errs with problem.
func deliveryCursor(c *gin.Context, errs *incident.FieldErrors, problem string) int64 {
	raw := c.Query("cursor")
	if raw == "" {
		return 0
	}
	n, ok := incident.ParseID(raw)
	if !ok {
		errs.Add("cursor", problem)
	}
	return n
}

// webhookID reads the :id path parameter of a webhook route.
func webhookID(c *gin.Context) (int64, error) {
	id, ok := incident.ParseID(c.Param("id"))
	if !ok {
		return 0, incident.Errorf(incident.ENOTFOUND, "Webhook %q does not exist.", c.Param("id"))
	}
	return id, nil
}
