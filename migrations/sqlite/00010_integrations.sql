-- Integrations: alert groups from Alertmanager, outgoing webhooks with
-- their outbox and delivery log, action-item reminders, and the index the
-- feeds read.

-- +goose Up

-- One row per Alertmanager group (its groupKey): the incident it has now.
-- A group whose incident was resolved gets a new one on its next firing,
-- and the row moves to it. mitigated_at is the one the group's resolving
-- set, so that a firing again clears that one and never one a person set.
CREATE TABLE alert_groups (
    group_key    TEXT PRIMARY KEY,
    incident_id  INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
    mitigated_at INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX alert_groups_incident ON alert_groups(incident_id);

-- What is known of each alert (by fingerprint) of an incident: the firing
-- it is at (starts_at) and whether it still fires. This, not memory, is
-- what makes a repeated notification change nothing, on every instance.
CREATE TABLE incident_alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    firing      BOOLEAN NOT NULL,
    PRIMARY KEY (incident_id, fingerprint)
);

-- Outgoing webhooks. secret and previous_secret are sealed (AES-256-GCM
-- under the server's secret key): a signing key must be read back to sign,
-- so it cannot be hashed like a token; a copy of the database alone does
-- not give it away. previous_secret signs beside the new one until
-- previous_until (a rotation's overlap).
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    events          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason TEXT NOT NULL DEFAULT '',
    secret          BLOB NOT NULL,
    previous_secret BLOB,
    previous_until  INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- The outbox: each event, written in the transaction of the change it
-- reports, with the exact body every webhook gets. uid is the webhook-id
-- header (the receivers' idempotency key). incident_id orders deliveries;
-- it is no foreign key, since an incident.deleted still goes out.
CREATE TABLE outbox_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uid         TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    payload     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One event on its way to one webhook: the queue the delivery worker
-- claims from, and the delivery log. Times the worker schedules by are in
-- milliseconds (next_attempt_ms, lease_until_ms): a first retry comes
-- within seconds. A claim sets lease_until_ms; no other worker, of this
-- instance or another, takes the delivery before the lease ends.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES outbox_events(id) ON DELETE CASCADE,
    incident_id     INTEGER NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_until_ms  INTEGER NOT NULL DEFAULT 0,
    expires_at      INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(webhook_id, incident_id, event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

-- Overdue action items already reminded of, by incident and the item's
-- title and due date: the reminder goes out once, whichever instance runs
-- the daily job, and again only for a new due date.
CREATE TABLE action_item_reminders (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    item        TEXT NOT NULL,
    reminded_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, item)
);

-- A service's feed lists its incidents by their last change, newest
-- first (the feed of all incidents reads incidents_updated, of migration 8).
CREATE INDEX incidents_service_updated ON incidents(service_key, updated_at DESC, id DESC);

-- +goose Down
DROP INDEX incidents_service_updated;
DROP TABLE action_item_reminders;
DROP TABLE webhook_deliveries;
DROP TABLE outbox_events;
DROP TABLE webhooks;
DROP TABLE incident_alerts;
DROP TABLE alert_groups;
