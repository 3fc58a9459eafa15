package web

import (
	"net/http"
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
	// Recurring are the failures that came back on the service, as the
	// reports page lists them.
	Recurring []recurrenceView
	// Form holds the relations as typed when a change was refused.
	Form   map[string]string
	Errors map[string]string
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

// servicePage shows a service's history, its patterns, what it depends on
// and what depends on it, and the industries an outage of it reaches.
func (s *Server) servicePage(c *gin.Context) {
	s.showService(c, http.StatusOK, nil, nil)
}

func (s *Server) showService(c *gin.Context, status int, form, errs map[string]string) {
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
	names, err := s.serviceNamesByKey(c)
	if err != nil {
		writeError(c, err)
		return
	}
	recurring, err := s.recurrenceViews(c, history.RecurringCauses, names)
	if err != nil {
		writeError(c, err)
		return
	}
	v := serviceView{Service: svc, History: history, Names: names, Form: form, Errors: errs, Recurring: recurring,
		Charts: []*chart{
			monthlyChart("svc-by-month", "Incidents per month, by outage type", history.ByMonthAndOutageType),
			durationChart("svc-ttr", "Time to resolve, by severity", "Median and 90th percentile.", history.TimeToResolveBySeverity),
			countChart("svc-causes", "Primary causes", "", history.ByCauseCategory, 10),
		}}
	renderView(c, status, "service", newView(c, svc.Name, "services", v))
}

func (s *Server) serviceNamesByKey(c *gin.Context) (map[string]string, error) {
	names, err := s.store.ServiceNames(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[incident.ServiceKey(n)] = n
	}
	return out, nil
}

// updateServicePage saves a service's dependencies, dependents and
// industries from its page, one per line.
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
	svc, err := s.store.UpdateService(c.Request.Context(), c.Param("key"), change)
	if err != nil {
		if e, ok := err.(*incident.Error); ok && e.Code == incident.EINVALID {
			s.showService(c, http.StatusUnprocessableEntity, form, e.Fields)
			return
		}
		writeError(c, err)
		return
	}
	flash(c, "%s is saved.", svc.Name)
	redirectAfterPost(c, "/services/"+svc.Key)
}
