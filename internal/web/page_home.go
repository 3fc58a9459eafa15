package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// openStatuses are the statuses of an incident that is not over.
var openStatuses = []incident.Status{incident.StatusInvestigating, incident.StatusIdentified, incident.StatusMonitoring}

// ActionItemStore is what the action-item pages need from storage.
type ActionItemStore interface {
	ListActionItems(ctx context.Context, f incident.ActionItemFilter) (*incident.ActionItemPage, error)
	ActionItemOwners(ctx context.Context, today string) ([]incident.OwnerLoad, error)
}

// dashboard is what the home page shows: what needs attention now.
type dashboard struct {
	Open, Review, Published *incident.Page
	Overdue                 []actionRow
	OverdueTotal            int64
	LastMonth               int64
	Today                   string
}

// actionRow is an action item across incidents as the pages list it.
type actionRow struct {
	incident.TrackedActionItem
	Overdue bool
}

func actionRows(items []incident.TrackedActionItem, today string) []actionRow {
	out := make([]actionRow, len(items))
	for i, it := range items {
		out[i] = actionRow{it, it.Status.IsOpen() && it.DueDate != "" && it.DueDate < today}
	}
	return out
}

// home is the dashboard: open incidents, post-mortems awaiting review,
// recent post-mortems, overdue action items. Its lists are independent
// reads, run at once on the reader pool.
func (s *Server) home(c *gin.Context) {
	ctx := c.Request.Context()
	now := time.Now().UTC()
	d := dashboard{Today: now.Format(time.DateOnly)}
	monthAgo := now.AddDate(0, 0, -30)
	g, gctx := errgroup.WithContext(ctx)
	list := func(dst **incident.Page, f incident.Filter) {
		g.Go(func() (err error) { *dst, err = s.store.ListIncidents(gctx, f); return err })
	}
	list(&d.Open, incident.Filter{Statuses: openStatuses, Limit: 12})
	list(&d.Review, incident.Filter{PostmortemStatus: incident.PostmortemInReview, Limit: 8})
	list(&d.Published, incident.Filter{PostmortemStatus: incident.PostmortemPublished, Limit: 6, NoTotal: true})
	g.Go(func() error {
		page, err := s.store.ListIncidents(gctx, incident.Filter{Since: &monthAgo, Limit: 1})
		if err == nil {
			d.LastMonth = page.Total
		}
		return err
	})
	g.Go(func() error {
		page, err := s.store.ListActionItems(gctx, incident.ActionItemFilter{OverdueOn: d.Today, RecentFirst: true, Limit: 8})
		if err == nil {
			d.Overdue, d.OverdueTotal = actionRows(page.Items, d.Today), page.Total
		}
		return err
	})
	if err := g.Wait(); err != nil {
		writeError(c, err)
		return
	}
	renderView(c, http.StatusOK, "home", newView(c, "Dashboard", "home", d))
}
