package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// ReportStore is what reports read: the store answers the report
// package's aggregates and streams.
type ReportStore interface {
	report.Source
}

// patternReport answers GET /api/v1/reports/patterns.
func (s *Server) patternReport(c *gin.Context) {
	r, err := s.buildReport(c)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// patternReportMarkdown answers GET /api/v1/reports/patterns.md: the same
// report as a review document.
func (s *Server) patternReportMarkdown(c *gin.Context) {
	r, err := s.buildReport(c)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Type", "text/markdown; charset=utf-8")
	c.Status(http.StatusOK)
	if err := report.WriteMarkdown(c.Writer, r); err != nil {
		logger(c).Warn("writing the markdown report", "error", err.Error())
	}
}

// buildReport reads the filters (since, until: RFC 3339 or a date; service)
// and builds the report.
func (s *Server) buildReport(c *gin.Context) (*report.Report, error) {
	if err := checkParams(c, reportParams); err != nil {
		return nil, err
	}
	var errs incident.FieldErrors
	params := report.Params{
		Since:   parseTimeParam(c, "since", &errs),
		Until:   parseTimeParam(c, "until", &errs),
		Service: c.Query("service"),
		Now:     time.Now(),
	}
	if err := badParams(&errs); err != nil {
		return nil, err
	}
	return report.Build(c.Request.Context(), s.store, params)
}

// recentParam reads ?recent, how many recent incidents a service history
// lists (1 to 100; default report.DefaultRecent).
func recentParam(c *gin.Context) (int, error) {
	if err := checkParams(c, historyParams); err != nil {
		return 0, err
	}
	raw := c.Query("recent")
	if raw == "" {
		return report.DefaultRecent, nil
	}
	n, ok := incident.ParseCount(raw, 100)
	if !ok {
		var errs incident.FieldErrors
		errs.Add("recent", "must be a number from 1 to 100")
		return 0, badParams(&errs)
	}
	return int(n), nil
}
