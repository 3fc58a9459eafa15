package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// webhooksView is the admin page of outgoing webhooks.
type webhooksView struct {
	Webhooks []incident.Webhook
	// Form is what was typed to add a webhook; Problem and Fields say what
	// was wrong with it.
	Form    newWebhook
	Problem string
	Fields  map[string]string
	Events  []eventChoice
	// Secret is a new signing secret, shown once, of the webhook NewID.
	Secret string
	NewID  int64
}

type eventChoice struct {
	Name    incident.EventType
	Checked bool
}

// webhookLogView is one webhook's delivery log.
type webhookLogView struct {
	Webhook *incident.Webhook
	Log     *incident.DeliveryPage
}

// webhooksPage lists the webhooks, with a form to add one.
func (s *Server) webhooksPage(c *gin.Context) {
	s.showWebhooks(c, http.StatusOK, webhooksView{Form: newWebhook{
		Events: []incident.EventType{incident.EventIncidentCreated, incident.EventIncidentStatusChanged}}})
}

func (s *Server) showWebhooks(c *gin.Context, status int, v webhooksView) {
	hooks, err := s.store.Webhooks(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	v.Webhooks = hooks
	for _, t := range incident.EventTypes {
		v.Events = append(v.Events, eventChoice{Name: t, Checked: slices.Contains(v.Form.Events, t)})
	}
	if handed := s.takeHandedOver(c, newSecretCookie, "/admin/webhooks"); handed != "" {
		id, secret, _ := strings.Cut(handed, " ")
		v.NewID, _ = strconv.ParseInt(id, 10, 64)
		v.Secret = secret
	}
	renderView(c, status, "admin-webhooks", newView(c, "Webhooks", "admin", v))
}

// createWebhookPage adds a webhook from the form; its secret is shown on
// the page the post redirects to, this once.
func (s *Server) createWebhookPage(c *gin.Context) {
	form := newWebhook{URL: c.PostForm("url"), Description: c.PostForm("description")}
	for _, e := range c.PostFormArray("events") {
		form.Events = append(form.Events, incident.EventType(e))
	}
	w := incident.Webhook{URL: form.URL, Description: form.Description, Events: form.Events}
	secret, err := s.webhooks.Create(c.Request.Context(), &w)
	if err != nil {
		s.webhooksProblem(c, err, form)
		return
	}
	s.handOver(c, newSecretCookie, "/admin/webhooks", strconv.FormatInt(w.ID, 10)+" "+secret)
	flash(c, "The webhook to %s is added. Copy its signing secret now: it is shown only this once.", w.URL)
	redirectAfterPost(c, "/admin/webhooks")
}

// webhooksProblem shows the page again with a refusal beside its field and
// what was typed; anything else is an error page.
func (s *Server) webhooksProblem(c *gin.Context, err error, form newWebhook) {
	if !refused(err) {
		writeError(c, err)
		return
	}
	v := webhooksView{Form: form, Problem: incident.ErrorMessage(err), Fields: map[string]string{}}
	var e *incident.Error
	if errors.As(err, &e) {
		for field, msg := range e.Fields {
			// A field of the form to add one is shown beside it; any other
			// (the overlap of a new secret) in the message.
			switch name, _, _ := strings.Cut(field, "["); name {
			case "url", "description", "events":
				v.Fields[name] = msg
			default:
				v.Problem += " " + label(field) + " " + msg + "."
			}
		}
	}
	s.showWebhooks(c, http.StatusUnprocessableEntity, v)
}

// updateWebhookPage enables, disables, deletes or gives a new secret to a
// webhook, as the form's _action says.
func (s *Server) updateWebhookPage(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	switch action := c.PostForm("_action"); action {
	case "enable", "disable":
		enabled := action == "enable"
		if _, err := s.webhooks.Update(ctx, id, incident.WebhookChange{Enabled: &enabled}); err != nil {
			s.webhooksProblem(c, err, newWebhook{})
			return
		}
		flash(c, "Webhook %d is %sd.", id, action)
	case "delete":
		if err := s.store.DeleteWebhook(ctx, id); err != nil {
			s.webhooksProblem(c, err, newWebhook{})
			return
		}
		flash(c, "Webhook %d is deleted, with its delivery log.", id)
	case "rotate":
		overlap := c.PostForm("overlap")
		d, err := parseOverlap(&overlap)
		if err != nil {
			s.webhooksProblem(c, err, newWebhook{})
			return
		}
		secret, until, err := s.webhooks.RotateSecret(ctx, id, d)
		if err != nil {
			s.webhooksProblem(c, err, newWebhook{})
			return
		}
		s.handOver(c, newSecretCookie, "/admin/webhooks", strconv.FormatInt(id, 10)+" "+secret)
		if until != nil {
			flash(c, "Webhook %d has a new signing secret; the previous one also signs until %s.", id, formatDateTime(*until))
		} else {
			flash(c, "Webhook %d has a new signing secret; the previous one no longer signs.", id)
		}
	default:
		writeError(c, &incident.Error{Code: incident.EMALFORMED, Message: "The form did not say what to do.",
			Fields: map[string]string{"_action": "must be enable, disable, rotate or delete"}})
		return
	}
	redirectAfterPost(c, "/admin/webhooks")
}

// webhookLogPage shows one webhook's delivery log, newest first.
func (s *Server) webhookLogPage(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var errs incident.FieldErrors
	before := deliveryCursor(c, &errs, "must be the link to older deliveries")
	if err := badParams(&errs); err != nil {
		writeError(c, err)
		return
	}
	w, err := s.store.Webhook(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	log, err := s.store.Deliveries(c.Request.Context(), id, before, 50)
	if err != nil {
		writeError(c, err)
		return
	}
	renderView(c, http.StatusOK, "admin-webhook", newView(c, "Deliveries of webhook "+strconv.FormatInt(id, 10), "admin",
		webhookLogView{Webhook: w, Log: log}))
}
