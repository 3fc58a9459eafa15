package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// webhooksPage is what the admin page for webhooks shows.
type webhooksPage struct {
	Title    string
	User     string
	Webhooks []incident.Webhook
	// Form is what was typed into the form to add a webhook, Fields what
	// was wrong with it, Error what went wrong otherwise.
	Form       newWebhook
	Fields     map[string]string
	Error      string
	EventTypes []eventChoice
	// Secret is a new signing secret, shown once, of SecretFor; with the
	// end of the rotation's overlap, if any.
	Secret, SecretFor, SecretOverlap string
	// Log is one webhook's delivery log.
	Log *webhookLog
}

type eventChoice struct {
	Name    incident.EventType
	Checked bool
}

type webhookLog struct {
	Webhook *incident.Webhook
	*incident.DeliveryPage
}

func (s *Server) newWebhooksPage(c *gin.Context, form newWebhook) (*webhooksPage, error) {
	hooks, err := s.store.Webhooks(c.Request.Context())
	if err != nil {
		return nil, err
	}
	p := &webhooksPage{Title: "Webhooks", User: principal(c).User.Name, Webhooks: hooks, Form: form}
	for _, t := range incident.EventTypes {
		p.EventTypes = append(p.EventTypes, eventChoice{Name: t, Checked: slices.Contains(form.Events, t)})
	}
	return p, nil
}

// webhooksAdmin shows the webhooks, with a form to add one.
func (s *Server) webhooksAdmin(c *gin.Context) {
	p, err := s.newWebhooksPage(c, newWebhook{Events: []incident.EventType{incident.EventIncidentCreated, incident.EventIncidentStatusChanged}})
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, s.pages.webhooks, p)
}

// addWebhookForm adds a webhook from the form and shows its secret, once:
// the answer is the page itself, not a redirect, since the secret is kept
// nowhere it could be shown from again.
func (s *Server) addWebhookForm(c *gin.Context) {
	form := newWebhook{URL: c.PostForm("url"), Description: c.PostForm("description")}
	for _, e := range c.PostFormArray("events") {
		form.Events = append(form.Events, incident.EventType(e))
	}
	w := incident.Webhook{URL: form.URL, Description: form.Description, Events: form.Events}
	secret, err := s.webhooks.Create(c.Request.Context(), &w)
	if err != nil {
		s.webhooksFormError(c, form, err)
		return
	}
	p, err := s.newWebhooksPage(c, newWebhook{})
	if err != nil {
		writeError(c, err)
		return
	}
	p.Secret, p.SecretFor = secret, w.URL
	render(c, http.StatusCreated, s.pages.webhooks, p)
}

// webhooksFormError shows the page again with what was typed and what was
// wrong with it beside its field.
func (s *Server) webhooksFormError(c *gin.Context, form newWebhook, err error) {
	code := incident.ErrorCode(err)
	if code != incident.EINVALID && code != incident.EMALFORMED {
		writeError(c, err)
		return
	}
	p, perr := s.newWebhooksPage(c, form)
	if perr != nil {
		writeError(c, perr)
		return
	}
	p.Error = incident.ErrorMessage(err)
	var e *incident.Error
	if errors.As(err, &e) {
		p.Fields = map[string]string{}
		for field, msg := range e.Fields {
			name, _, _ := strings.Cut(field, "[")
			p.Fields[name] = msg
		}
	}
	render(c, http.StatusUnprocessableEntity, s.pages.webhooks, p)
}

// changeWebhookForm enables, disables, deletes or rotates the secret of a
// webhook, as the form's _action says.
func (s *Server) changeWebhookForm(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	switch action := c.PostForm("_action"); action {
	case "enable", "disable":
		enabled := action == "enable"
		_, err = s.webhooks.Update(ctx, id, incident.WebhookChange{Enabled: &enabled})
	case "delete":
		err = s.store.DeleteWebhook(ctx, id)
	case "rotate":
		overlap := c.PostForm("overlap")
		d, perr := parseOverlap(&overlap)
		if perr != nil {
			s.webhooksFormError(c, newWebhook{}, perr)
			return
		}
		secret, until, rerr := s.webhooks.RotateSecret(ctx, id, d)
		if rerr != nil {
			s.webhooksFormError(c, newWebhook{}, rerr)
			return
		}
		w, werr := s.store.Webhook(ctx, id)
		p, perr := s.newWebhooksPage(c, newWebhook{})
		if werr != nil || perr != nil {
			writeError(c, firstError(werr, perr))
			return
		}
		p.Secret, p.SecretFor = secret, w.URL
		if until != nil {
			p.SecretOverlap = until.Format(time.RFC3339)
		}
		render(c, http.StatusOK, s.pages.webhooks, p)
		return
	default:
		writeError(c, incident.Errorf(incident.EMALFORMED, "The form asks for %q, which is not something a webhook can do.", action))
		return
	}
	if err != nil {
		s.webhooksFormError(c, newWebhook{}, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/webhooks")
}

// webhookLogPage shows one webhook's delivery log.
func (s *Server) webhookLogPage(c *gin.Context) {
	id, err := webhookID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var before int64
	if raw := c.Query("cursor"); raw != "" {
		if before, err = strconv.ParseInt(raw, 10, 64); err != nil || before < 1 {
			writeError(c, incident.Errorf(incident.EMALFORMED, "That is not a page of the delivery log."))
			return
		}
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
	render(c, http.StatusOK, s.pages.webhooks, &webhooksPage{Title: "Deliveries of webhook " + strconv.FormatInt(id, 10),
		User: principal(c).User.Name, Log: &webhookLog{Webhook: w, DeliveryPage: log}})
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
