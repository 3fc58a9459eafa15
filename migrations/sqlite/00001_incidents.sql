-- The first schema: services, category vocabularies, incidents with their
-- child lists, comments and full-text search.
--
-- Timestamps are INTEGER seconds since the Unix epoch, UTC. Durations and
-- month buckets in reports are then plain arithmetic, and the same columns
-- read the same way on PostgreSQL (BIGINT).

-- +goose Up
CREATE TABLE services (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- service_dependencies: service_key depends on depends_on_key.
CREATE TABLE service_dependencies (
    service_key     TEXT NOT NULL REFERENCES services(key) ON DELETE CASCADE,
    depends_on_key  TEXT NOT NULL REFERENCES services(key) ON DELETE CASCADE,
    PRIMARY KEY (service_key, depends_on_key),
    CHECK (service_key <> depends_on_key)
);
CREATE INDEX service_dependencies_depends_on ON service_dependencies(depends_on_key);

-- Industries or business functions that depend on a service.
CREATE TABLE service_industries (
    service_key TEXT NOT NULL REFERENCES services(key) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    industry    TEXT NOT NULL,
    PRIMARY KEY (service_key, position)
);

CREATE TABLE categories (
    kind        TEXT NOT NULL CHECK (kind IN ('cause', 'gap')),
    slug        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, slug)
);

INSERT INTO categories (kind, slug) VALUES
    ('cause', 'config-change'), ('cause', 'deployment'), ('cause', 'software-bug'),
    ('cause', 'capacity'), ('cause', 'resource-exhaustion'), ('cause', 'dependency'),
    ('cause', 'database'), ('cause', 'network'), ('cause', 'hardware'),
    ('cause', 'security'), ('cause', 'time'), ('cause', 'automation'),
    ('cause', 'process'), ('cause', 'unknown'),
    ('gap', 'alert-threshold'), ('gap', 'alert-window'), ('gap', 'missing-monitoring'),
    ('gap', 'missing-test'), ('gap', 'staging-parity'), ('gap', 'noisy-alerts'),
    ('gap', 'runbook'), ('gap', 'unknown');

CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id         TEXT UNIQUE,
    title               TEXT NOT NULL,
    service_key         TEXT NOT NULL REFERENCES services(key),
    component           TEXT NOT NULL DEFAULT '',
    severity            TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL,
    postmortem_status   TEXT NOT NULL,
    started_at          INTEGER,
    detected_at         INTEGER,
    mitigated_at        INTEGER,
    resolved_at         INTEGER,
    -- sort_at orders lists: started_at, or created_at when impact start is unknown.
    sort_at             INTEGER NOT NULL,
    affected_users      INTEGER,
    cause_category      TEXT NOT NULL DEFAULT '',
    cause_description   TEXT NOT NULL DEFAULT '',
    cause_trigger       TEXT NOT NULL DEFAULT '',
    detection_method    TEXT NOT NULL,
    -- extra: front-matter keys Aftermath does not model, as a JSON object.
    extra               TEXT NOT NULL DEFAULT '',
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX incidents_sort ON incidents(sort_at DESC, id DESC);
CREATE INDEX incidents_service ON incidents(service_key, sort_at DESC, id DESC);
CREATE INDEX incidents_started ON incidents(started_at);
CREATE INDEX incidents_status ON incidents(status);
CREATE INDEX incidents_cause ON incidents(cause_category);

-- The long markdown of an incident lives apart, so that the incidents table
-- stays narrow and the scans behind counts, filters and reports read few
-- pages.
CREATE TABLE incident_texts (
    incident_id         INTEGER PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    summary             TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL DEFAULT '',
    impact_description  TEXT NOT NULL DEFAULT '',
    went_well           TEXT NOT NULL DEFAULT '',
    went_wrong          TEXT NOT NULL DEFAULT '',
    got_lucky           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE incident_outage_types (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    outage_type TEXT NOT NULL,
    PRIMARY KEY (incident_id, outage_type)
);
CREATE INDEX incident_outage_types_type ON incident_outage_types(outage_type);

CREATE TABLE incident_tags (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX incident_tags_tag ON incident_tags(tag);

CREATE TABLE affected_dependents (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);

-- findings holds contributing factors (kind 'factor') and detection gaps (kind 'gap').
CREATE TABLE findings (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('factor', 'gap')),
    position    INTEGER NOT NULL,
    category    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, kind, position)
);
CREATE INDEX findings_category ON findings(kind, category);

CREATE TABLE action_items (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    owner       TEXT NOT NULL DEFAULT '',
    due_date    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    addresses   TEXT NOT NULL DEFAULT '',
    done_at     INTEGER,
    PRIMARY KEY (incident_id, position)
);
CREATE INDEX action_items_status ON action_items(status, due_date);

CREATE TABLE timeline_entries (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE links (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_incident ON comments(incident_id, id);

-- Full-text search; docid is the incident id. The store rewrites an
-- incident's row in the same transaction as the incident itself.
CREATE VIRTUAL TABLE incidents_fts USING fts4(
    title, summary, description, causes, factors, gaps,
    tokenize=unicode61
);

-- +goose Down
DROP TABLE incidents_fts;
DROP TABLE comments;
DROP TABLE links;
DROP TABLE timeline_entries;
DROP TABLE action_items;
DROP TABLE findings;
DROP TABLE affected_dependents;
DROP TABLE incident_tags;
DROP TABLE incident_outage_types;
DROP TABLE incident_texts;
DROP TABLE incidents;
DROP TABLE categories;
DROP TABLE service_industries;
DROP TABLE service_dependencies;
DROP TABLE services;
