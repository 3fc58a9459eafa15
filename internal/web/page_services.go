package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// servicesPage lists every service with how often it failed and what it
// is tied to.
func (s *Server) servicesPage(c *gin.Context) {
	services, err := s.store.ListServices(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	names := map[string]string{}
	for _, svc := range services {
		names[svc.Key] = svc.Name
	}
	renderView(c, http.StatusOK, "services", newView(c, "Services", "services", struct {
		Services []incident.ServiceSummary
		Names    map[string]string
	}{services, names}))
}

// serviceView is what a service's page shows.
type serviceView struct {
	Service *incident.Service
	History *report.ServiceHistory
	Charts  []*chart
	Names   map[string]string
	// Modes are the service's failure modes with their records; Blast its
	// blast radius drawn as a graph.
	Modes []incident.ModeRecord
	Blast *blastGraph
	// Recurring are the failures that came back on the service, as the
	// reports page lists them.
	Recurring []recurrenceView
	// Form holds the relations as typed when a change was refused.
	Form   map[string]string
	Errors map[string]string
	// ModeForm is a failure-mode form that was refused, as typed.
	ModeForm *modeForm
}

// Relation is one of the service's relation lists as the form shows it,
// one name per line.
func (v serviceView) Relation(name string) string {
	if v.Form != nil {
		return v.Form[name]
	}
	keys := map[string][]string{"depends_on": v.Service.DependsOn, "dependents": v.Service.Dependents, "industries": v.Service.Industries}[name]
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		if n, ok := v.Names[k]; ok && name != "industries" {
			out[i] = n
		}
	}
	return strings.Join(out, "\n")
}

// Field is a catalogue field of the service as the form shows it.
func (v serviceView) Field(name string) string {
	if v.Form != nil {
		return v.Form[name]
	}
	info := v.Service.ServiceInfo
	return map[string]string{"owner": info.Owner, "lifecycle": info.Lifecycle, "system": info.System,
		"type": info.Type, "description": info.Description, "tags": strings.Join(info.Tags, ", ")}[name]
}

// Name is the display name of a service key.
func (v serviceView) Name(key string) string {
	if n, ok := v.Names[key]; ok {
		return n
	}
	return key
}

// Unmitigated counts the service's unmitigated failure modes.
func (v serviceView) Unmitigated() int {
	n := 0
	for _, m := range v.Modes {
		if m.Status == incident.ModeUnmitigated {
			n++
		}
	}
	return n
}

// ModeStatuses are the statuses a failure-mode form offers.
func (serviceView) ModeStatuses() []incident.FailureModeStatus { return incident.FailureModeStatuses }

// Mode is a failure-mode form's values: the refused form's, as typed,
// when it is the one for slug ("" for the form that adds one), else the
// stored mode's.
func (v serviceView) Mode(slug string) *modeForm {
	if v.ModeForm != nil && v.ModeForm.Target == slug {
		return v.ModeForm
	}
	f := &modeForm{Target: slug, Values: map[string]string{"status": string(incident.ModeUnmitigated)}, Errors: map[string]string{}}
	for _, m := range v.Modes {
		if m.Slug == slug {
			f.Values = map[string]string{"slug": m.Slug, "title": m.Title, "description": m.Description, "detection": m.Detection,
				"mitigation": m.Mitigation, "status": string(m.Status), "version": strconv.Itoa(m.Version)}
		}
	}
	return f
}

// Refused reports whether the refused form is the one for slug, which
// the page then shows open.
func (v serviceView) Refused(slug string) bool { return v.ModeForm != nil && v.ModeForm.Target == slug }

// servicePage shows a service's history, its patterns, what it depends on
// and what depends on it, the industries an outage of it reaches, and its
// failure modes.
func (s *Server) servicePage(c *gin.Context) {
	s.showService(c, http.StatusOK, func(*serviceView) {})
}

func (s *Server) showService(c *gin.Context, status int, refused func(*serviceView)) {
	ctx := c.Request.Context()
	svc, err := s.store.GetService(ctx, c.Param("key"))
	if err != nil {
		writeError(c, err)
		return
	}
	history, err := report.History(ctx, s.store, svc.Key, 20)
	if err != nil {
		writeError(c, err)
		return
	}
	modes, err := s.store.ServiceFailureModes(ctx, svc.Key)
	if err != nil {
		writeError(c, err)
		return
	}
	names, err := s.serviceNamesByKey(ctx)
	if err != nil {
		writeError(c, err)
		return
	}
	recurring, err := s.recurrenceViews(c, history.RecurringCauses, names)
	if err != nil {
		writeError(c, err)
		return
	}
	v := serviceView{Service: svc, History: history, Names: names, Modes: modes, Recurring: recurring,
		Charts: []*chart{
			monthlyChart("svc-by-month", "Incidents per month, by outage type", history.ByMonthAndOutageType),
			durationChart("svc-ttr", "Time to resolve, by severity", "Median and 90th percentile.", history.TimeToResolveBySeverity),
			countChart("svc-causes", "Primary causes", "", history.ByCauseCategory, 10),
		}}
	v.Blast = newBlastGraph(svc.Key, svc.Name, history.DependentsAll, history.IndustriesAffected, v.Name)
	refused(&v)
	renderView(c, status, "service", newView(c, svc.Name, "services", v))
}

// serviceNamesByKey maps each service's key to its display name.
func (s *Server) serviceNamesByKey(ctx context.Context) (map[string]string, error) {
	names, err := s.store.ServiceNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[incident.ServiceKey(n)] = n
	}
	return out, nil
}

// serviceFormFields are the catalogue fields the service page edits, with
// the relations.
var serviceFormFields = []string{"owner", "lifecycle", "system", "type", "description", "tags"}

// updateServicePage saves a service's catalogue fields, dependencies,
// dependents and industries from its page (relations one per line). A
// field the form does not send is left as it is.
func (s *Server) updateServicePage(c *gin.Context) {
	posted, err := postedForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	form := map[string]string{}
	change := incident.ServiceChange{}
	for name, dst := range map[string]**[]string{"depends_on": &change.DependsOn, "dependents": &change.Dependents, "industries": &change.Industries} {
		form[name] = posted.Get(name)
		list := lines(posted.Get(name))
		if list == nil {
			list = []string{}
		}
		*dst = &list
	}
	for _, name := range serviceFormFields {
		if _, sent := posted[name]; !sent {
			continue
		}
		value := posted.Get(name)
		form[name] = value
		switch name {
		case "tags":
			tags := []string{}
			for t := range strings.SplitSeq(value, ",") {
				if t = strings.TrimSpace(t); t != "" {
					tags = append(tags, t)
				}
			}
			change.Tags = &tags
		default:
			field := map[string]**string{"owner": &change.Owner, "lifecycle": &change.Lifecycle, "system": &change.System,
				"type": &change.Type, "description": &change.Description}[name]
			*field = &value
		}
	}
	svc, err := s.store.UpdateService(c.Request.Context(), c.Param("key"), change)
	if err != nil {
		if e, ok := err.(*incident.Error); ok && e.Code == incident.EINVALID {
			s.showService(c, http.StatusUnprocessableEntity, func(v *serviceView) { v.Form, v.Errors = form, e.Fields })
			return
		}
		writeError(c, err)
		return
	}
	flash(c, "%s is saved.", svc.Name)
	redirectAfterPost(c, "/services/"+svc.Key)
}
