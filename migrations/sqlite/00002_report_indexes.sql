-- Indexes for pattern reports (internal/report).

-- +goose Up

-- Every per-incident figure of a report (counts by service, severity,
-- detection method, cause and month; durations; data quality; recurrences)
-- reads only these columns, so SQLite answers from this index alone: a scan
-- of it reads a fraction of the pages of the table, whose rows also carry
-- the cause description. started_at leads so a report window is a range.
CREATE INDEX incidents_report ON incidents(
    started_at, service_key, severity, detection_method, cause_category, status,
    detected_at, mitigated_at, resolved_at, sort_at);

-- Counts by factor and gap category, and the incidents they belong to,
-- from the index alone.
CREATE INDEX findings_report ON findings(kind, category, incident_id);

-- "Did the fix work": done preventive action items by when they were done,
-- with their incident, so the fix time line and the lookup of the fix that
-- preceded a recurrence read the index alone.
CREATE INDEX action_items_fixes ON action_items(kind, status, addresses, done_at, incident_id);

-- +goose Down
DROP INDEX action_items_fixes;
DROP INDEX findings_report;
DROP INDEX incidents_report;
