-- Indexes behind the web pages: the dashboard's open incidents and
-- post-mortems awaiting review, the list sorted by last change, and action
-- items by owner.

-- +goose Up

-- Open incidents (a few statuses) and post-mortems in review, newest
-- first: each is a walk of its index in page order, whatever the size of
-- the history, and their totals count index entries.
DROP INDEX incidents_status;
CREATE INDEX incidents_status ON incidents(status, sort_at DESC, id DESC);
CREATE INDEX incidents_postmortem ON incidents(postmortem_status, sort_at DESC, id DESC);

-- The list sorted by "recently updated".
CREATE INDEX incidents_updated ON incidents(updated_at DESC, id DESC);

-- Action items across incidents by due date: each status's items in page
-- order (due date, then incident and position), so a page of them is a
-- walk of this index however many match; and one owner's, with the count
-- of each owner's open and overdue items read from an index alone (status
-- leads: the open items are a range, not a skip-scan over every owner,
-- which took 0.12 s rather than 0.01 s at 100,000 incidents).
CREATE INDEX action_items_due ON action_items(status, due_date, incident_id, position);
CREATE INDEX action_items_owner ON action_items(status, owner, due_date);

-- +goose Down
DROP INDEX action_items_owner;
DROP INDEX action_items_due;
DROP INDEX incidents_updated;
DROP INDEX incidents_postmortem;
DROP INDEX incidents_status;
CREATE INDEX incidents_status ON incidents(status);
