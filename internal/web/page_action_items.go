package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// actionItemsPerPage is how many items the action-items page lists at once.
const actionItemsPerPage = 100

// actionItemViews are the lists the action-items page offers, by the
// value of its "show" parameter.
var actionItemViews = []struct {
	Value, Label string
	statuses     []incident.ActionStatus
	overdue      bool
}{
	{"open", "Open", []incident.ActionStatus{incident.ActionOpen, incident.ActionInProgress}, false},
	{"overdue", "Overdue", nil, true},
	{"done", "Done", []incident.ActionStatus{incident.ActionDone}, false},
	{"wont_do", "Won’t do", []incident.ActionStatus{incident.ActionWontDo}, false},
	{"all", "All", nil, false},
}

// actionItemsView is what the action-items page shows.
type actionItemsView struct {
	Show, Owner string
	Views       []struct{ Value, Label, URL string }
	Owners      []incident.OwnerLoad
	Items       []actionRow
	Total       int64
	Page        int
	Prev, Next  string
	Today       string
	Choices     choices
	Here        string
}

// OwnerURL lists one owner's items in the current view.
func (v actionItemsView) OwnerURL(owner string) string {
	if owner == "" {
		owner = incident.NoOwner
	}
	return actionItemsURL(v.Show, owner, 1)
}

func actionItemsURL(show, owner string, page int) string {
	q := url.Values{}
	if show != "" && show != "open" {
		q.Set("show", show)
	}
	if owner != "" {
		q.Set("owner", owner)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/action-items"
	}
	return "/action-items?" + q.Encode()
}

// actionItemsPage lists follow-ups across incidents by due date, with each
// owner's open and overdue counts beside them.
func (s *Server) actionItemsPage(c *gin.Context) {
	ctx := c.Request.Context()
	today := time.Now().UTC().Format(time.DateOnly)
	v := actionItemsView{Show: c.DefaultQuery("show", "open"), Owner: c.Query("owner"), Today: today, Page: 1,
		Here:    c.Request.URL.RequestURI(),
		Choices: choices{ActionStatuses: incident.ActionStatuses}}
	if c.Query("overdue") != "" {
		v.Show = "overdue"
	}
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 {
		v.Page = n
	}
	f := incident.ActionItemFilter{Owner: v.Owner, Limit: actionItemsPerPage, Offset: (v.Page - 1) * actionItemsPerPage}
	known := false
	for _, view := range actionItemViews {
		v.Views = append(v.Views, struct{ Value, Label, URL string }{view.Value, view.Label, actionItemsURL(view.Value, v.Owner, 1)})
		if view.Value == v.Show {
			known, f.Statuses = true, view.statuses
			if view.overdue {
				f.OverdueOn = today
			}
		}
	}
	if !known {
		writeError(c, &incident.Error{Code: incident.EMALFORMED, Message: "There is no such list of action items.",
			Fields: map[string]string{"show": "must be one of open, overdue, done, wont_do, all"}})
		return
	}
	var page *incident.ActionItemPage
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { v.Owners, err = s.store.ActionItemOwners(gctx, today); return err })
	g.Go(func() (err error) { page, err = s.store.ListActionItems(gctx, f); return err })
	if err := g.Wait(); err != nil {
		writeError(c, err)
		return
	}
	v.Items, v.Total = actionRows(page.Items, today), page.Total
	if v.Page > 1 {
		v.Prev = actionItemsURL(v.Show, v.Owner, v.Page-1)
	}
	if int64(v.Page*actionItemsPerPage) < v.Total {
		v.Next = actionItemsURL(v.Show, v.Owner, v.Page+1)
	}
	renderView(c, http.StatusOK, "action-items", newView(c, "Action items", "action-items", v))
}
