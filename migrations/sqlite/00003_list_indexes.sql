-- Indexes that keep filtered lists and reports cheap as the database grows.

-- +goose Up

-- A tag or outage-type filter reads incident ids from these indexes alone:
-- the totals count index entries, and the page probes them, without a
-- lookup in the table for each match.
DROP INDEX incident_tags_tag;
CREATE INDEX incident_tags_tag ON incident_tags(tag, incident_id);
DROP INDEX incident_outage_types_type;
CREATE INDEX incident_outage_types_type ON incident_outage_types(outage_type, incident_id);

-- A service's incidents newest first, carrying the columns other filters
-- test, so that "payments-api, SEV2" is counted and paged from the index
-- without reading the rows it turns away.
DROP INDEX incidents_service;
CREATE INDEX incidents_service ON incidents(
    service_key, sort_at DESC, id DESC, severity, status, cause_category, started_at);

-- The action-item figures of a report test status, due date and kind:
-- with kind in the index they read it alone, a quarter of the table.
DROP INDEX action_items_status;
CREATE INDEX action_items_status ON action_items(status, due_date, kind);

-- +goose Down
DROP INDEX action_items_status;
CREATE INDEX action_items_status ON action_items(status, due_date);
DROP INDEX incidents_service;
CREATE INDEX incidents_service ON incidents(service_key, sort_at DESC, id DESC);
DROP INDEX incident_outage_types_type;
CREATE INDEX incident_outage_types_type ON incident_outage_types(outage_type);
DROP INDEX incident_tags_tag;
CREATE INDEX incident_tags_tag ON incident_tags(tag);
