-- The service catalogue: what a catalogue (Backstage, or our own export)
-- says about each service, and the ways each is known to fail, linked
-- from the incidents in which they materialised.

-- +goose Up
ALTER TABLE services ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- kind: the catalogue entity ('component', 'resource') or '' when unknown.
ALTER TABLE services ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN type TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN lifecycle TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN system TEXT NOT NULL DEFAULT '';
-- tags: a JSON list of strings; annotations: a JSON list of {"key", "value"}
-- sorted by key. Neither is filtered on, so neither needs a table.
ALTER TABLE services ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN annotations TEXT NOT NULL DEFAULT '[]';
-- updated_at: when the catalogue fields last changed (0: never), which a
-- catalogue import compares with its file's.
ALTER TABLE services ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE failure_modes (
    service_key         TEXT NOT NULL REFERENCES services(key) ON DELETE CASCADE,
    slug                TEXT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    detection           TEXT NOT NULL DEFAULT '',
    mitigation          TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('unmitigated', 'mitigated', 'accepted')),
    status_changed_at   INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (service_key, slug)
);

-- Every status a mode has had, oldest first (position 0); the last row is
-- its current status.
CREATE TABLE failure_mode_history (
    service_key TEXT NOT NULL,
    slug        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    changed_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (service_key, slug, position),
    FOREIGN KEY (service_key, slug) REFERENCES failure_modes(service_key, slug) ON DELETE CASCADE
);

-- The modes that materialised in an incident. A mode that incidents link
-- cannot be deleted (the store says so first; the key is the backstop).
CREATE TABLE incident_failure_modes (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    service_key TEXT NOT NULL,
    slug        TEXT NOT NULL,
    PRIMARY KEY (incident_id, position),
    FOREIGN KEY (service_key, slug) REFERENCES failure_modes(service_key, slug)
);
CREATE INDEX incident_failure_modes_mode ON incident_failure_modes(service_key, slug, incident_id);

-- +goose Down
DROP TABLE incident_failure_modes;
DROP TABLE failure_mode_history;
DROP TABLE failure_modes;
ALTER TABLE services DROP COLUMN updated_at;
ALTER TABLE services DROP COLUMN annotations;
ALTER TABLE services DROP COLUMN tags;
ALTER TABLE services DROP COLUMN system;
ALTER TABLE services DROP COLUMN lifecycle;
ALTER TABLE services DROP COLUMN owner;
ALTER TABLE services DROP COLUMN type;
ALTER TABLE services DROP COLUMN kind;
ALTER TABLE services DROP COLUMN description;
