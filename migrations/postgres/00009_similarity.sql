-- Near-duplicate keys of every incident's primary cause and contributing
-- factors (SQLite migration 9; report.SimilarityKeys), written in the same
-- transaction as the incident, and the settings that say which scheme made
-- them (the store rebuilds every incident's keys when the binary's scheme
-- differs).

-- +goose Up
CREATE TABLE similarity_keys (
    key         BIGINT NOT NULL,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (key, incident_id)
);
CREATE INDEX similarity_keys_incident ON similarity_keys(incident_id);

CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE similarity_keys;
