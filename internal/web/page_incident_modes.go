package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// modeChoices are the failure modes the incident form offers: those of
// the service typed in the form, then those of every service it depends
// on, directly or not (a cascade), each group under its service's name.
// A mode the incident links that is not among them (its service no longer
// a dependency) is offered too, checked, so that saving the form does not
// drop it unseen.
type modeChoices struct {
	Service string // the service as typed
	Groups  []modeGroup
}

// modeGroup is one service's failure modes in the form.
type modeGroup struct {
	Name, Key string
	Own       bool
	Options   []modeOption
}

// modeOption is one checkbox: the reference the incident stores ("slug"
// for the own service, "key/slug" for another), what it says, and the
// mode's status now.
type modeOption struct {
	Ref, Title, ID string
	Status         incident.FailureModeStatus
	Checked        bool
}

// offerModes builds the choices for an incident of service (as typed)
// that links the modes chosen.
func (s *Server) offerModes(ctx context.Context, service string, chosen []string) (*modeChoices, error) {
	out := &modeChoices{Service: strings.TrimSpace(service)}
	own := incident.ServiceKey(service)
	canonical := map[string]bool{}
	for _, ref := range chosen {
		canonical[canonicalRef(ref, own)] = true
	}
	var modes []incident.FailureMode
	if own != "" {
		var err error
		if modes, err = s.store.OfferedFailureModes(ctx, own); err != nil {
			return nil, err
		}
	}
	nameOf, err := s.serviceNamesByKey(ctx)
	if err != nil {
		return nil, err
	}
	offered := map[string]bool{}
	for _, m := range modes {
		if n := len(out.Groups); n == 0 || out.Groups[n-1].Key != m.ServiceKey {
			out.Groups = append(out.Groups, modeGroup{Name: cmp.Or(nameOf[m.ServiceKey], m.ServiceKey), Key: m.ServiceKey, Own: m.ServiceKey == own})
		}
		ref := m.Ref(own)
		offered[ref] = true
		g := &out.Groups[len(out.Groups)-1]
		g.Options = append(g.Options, modeOption{Ref: ref, Title: m.Title, Status: m.Status, Checked: canonical[ref]})
	}
	var others []modeOption
	for _, ref := range chosen {
		ref = canonicalRef(ref, own)
		if ref != "" && !offered[ref] {
			offered[ref] = true
			others = append(others, modeOption{Ref: ref, Title: ref, Checked: true})
		}
	}
	if len(others) > 0 {
		out.Groups = append(out.Groups, modeGroup{Name: "Linked, but not a mode of this service or its dependencies", Options: others})
	}
	n := 0
	for gi := range out.Groups {
		for oi := range out.Groups[gi].Options {
			out.Groups[gi].Options[oi].ID = fmt.Sprintf("f-failure_modes-%d", n)
			n++
		}
	}
	return out, nil
}

// canonicalRef writes a reference as an incident of service own stores
// it, so that "Payments DB/missing-index" and "paymentsdb/missing-index"
// check the same box; one that cannot be read is kept as typed.
func canonicalRef(ref, own string) string {
	if r, ok := incident.ParseFailureModeRef(ref, own); ok {
		return r.Format(own)
	}
	return strings.TrimSpace(ref)
}

// modesFragment answers the failure modes the form offers for the service
// the posted form names, keeping the ones it has checked: the script
// fetches it when the service changes.
func (s *Server) modesFragment(c *gin.Context) {
	posted, err := postedForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	choices, err := s.offerModes(c.Request.Context(), posted.Get("service"), posted["failure_modes"])
	if err != nil {
		writeError(c, err)
		return
	}
	renderView(c, http.StatusOK, "fragment-modes", &view{Data: choices})
}

// foldModeErrors puts the problems of single failure-mode references
// ("failure_modes[2]") on the form's one failure-mode field, whose
// checkboxes do not follow the order of the references.
func foldModeErrors(errs formErrors) {
	var msgs []string
	for field, msg := range errs {
		if strings.HasPrefix(field, "failure_modes[") {
			msgs = append(msgs, msg)
			delete(errs, field)
		}
	}
	if len(msgs) > 0 {
		slices.Sort(msgs)
		if prior, ok := errs["failure_modes"]; ok {
			msgs = append([]string{prior}, msgs...)
		}
		errs["failure_modes"] = strings.Join(msgs, "; ")
	}
}

// linkedMode is a failure mode an incident links, as its page shows it:
// the mode's title and status now, and where it is on its service's page.
type linkedMode struct {
	Ref, Title, Service, Href string
	Status                    incident.FailureModeStatus
}

// linkedModes reads the failure modes an incident links, in its order.
func (s *Server) linkedModes(ctx context.Context, inc *incident.Incident) ([]linkedMode, error) {
	refs := inc.FailureModeRefs()
	if len(refs) == 0 {
		return nil, nil
	}
	nameOf, err := s.serviceNamesByKey(ctx)
	if err != nil {
		return nil, err
	}
	modesOf := map[string][]incident.FailureMode{}
	out := make([]linkedMode, 0, len(refs))
	for _, r := range refs {
		modes, read := modesOf[r.ServiceKey]
		if !read {
			if modes, err = s.store.FailureModes(ctx, r.ServiceKey); err != nil && incident.ErrorCode(err) != incident.ENOTFOUND {
				return nil, err
			}
			modesOf[r.ServiceKey] = modes
		}
		m := linkedMode{Ref: r.Format(inc.ServiceKey), Title: r.Slug, Service: cmp.Or(nameOf[r.ServiceKey], r.ServiceKey),
			Href: "/services/" + r.ServiceKey + "#mode-" + r.Slug}
		if i := slices.IndexFunc(modes, func(fm incident.FailureMode) bool { return fm.Slug == r.Slug }); i >= 0 {
			m.Title, m.Status = modes[i].Title, modes[i].Status
		}
		out = append(out, m)
	}
	return out, nil
}
