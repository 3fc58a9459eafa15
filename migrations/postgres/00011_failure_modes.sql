-- The service catalogue and failure modes: migrations/sqlite/00011 of the
-- same number, in PostgreSQL's terms.

-- +goose Up
ALTER TABLE services ADD COLUMN description TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN type TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN lifecycle TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN system TEXT COLLATE "C" NOT NULL DEFAULT '';
-- tags and annotations: JSON lists kept as text, read and written whole.
ALTER TABLE services ADD COLUMN tags TEXT COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN annotations TEXT COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE failure_modes (
    service_key         TEXT COLLATE "C" NOT NULL REFERENCES services(key) ON DELETE CASCADE,
    slug                TEXT COLLATE "C" NOT NULL,
    title               TEXT COLLATE "C" NOT NULL,
    description         TEXT COLLATE "C" NOT NULL DEFAULT '',
    detection           TEXT COLLATE "C" NOT NULL DEFAULT '',
    mitigation          TEXT COLLATE "C" NOT NULL DEFAULT '',
    status              TEXT COLLATE "C" NOT NULL CHECK (status IN ('unmitigated', 'mitigated', 'accepted')),
    status_changed_at   BIGINT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (service_key, slug)
);

CREATE TABLE failure_mode_history (
    service_key TEXT COLLATE "C" NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL,
    position    INTEGER NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    at          BIGINT NOT NULL,
    changed_by  TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (service_key, slug, position),
    FOREIGN KEY (service_key, slug) REFERENCES failure_modes(service_key, slug) ON DELETE CASCADE
);

CREATE TABLE incident_failure_modes (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    service_key TEXT COLLATE "C" NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (incident_id, position),
    FOREIGN KEY (service_key, slug) REFERENCES failure_modes(service_key, slug)
);
CREATE INDEX incident_failure_modes_mode ON incident_failure_modes(service_key, slug, incident_id);

-- +goose Down
DROP TABLE incident_failure_modes;
DROP TABLE failure_mode_history;
DROP TABLE failure_modes;
ALTER TABLE services DROP COLUMN updated_at, DROP COLUMN annotations, DROP COLUMN tags, DROP COLUMN system,
    DROP COLUMN lifecycle, DROP COLUMN owner, DROP COLUMN type, DROP COLUMN kind, DROP COLUMN description;
