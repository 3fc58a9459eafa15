-- Indexes behind the web pages (SQLite migration 8): post-mortems awaiting
-- review, the list sorted by last change, and action items by due date and
-- by owner. Open incidents walk incidents_status, which 00001 already made
-- in page order.

-- +goose Up
CREATE INDEX incidents_postmortem ON incidents(postmortem_status, sort_at DESC, id DESC);
CREATE INDEX incidents_updated ON incidents(updated_at DESC, id DESC);
CREATE INDEX action_items_due ON action_items(status, due_date, incident_id, position);
CREATE INDEX action_items_owner ON action_items(status, owner, due_date);

-- +goose Down
DROP INDEX action_items_owner;
DROP INDEX action_items_due;
DROP INDEX incidents_updated;
DROP INDEX incidents_postmortem;
