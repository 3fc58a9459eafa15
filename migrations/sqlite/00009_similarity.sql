-- Near-duplicate keys of every incident's primary cause and contributing
-- factors (report.SimilarityKeys: MinHash bands), so that the incident page
-- and form find past incidents whose cause reads like this one's with an
-- index lookup rather than a pass over the history. The store writes an
-- incident's keys in the same transaction as the incident.
--
-- settings holds the scheme the keys were made with: when the binary's
-- scheme differs (or none is recorded, as right after this migration), the
-- store rebuilds every incident's keys when it opens the database.

-- +goose Up
CREATE TABLE similarity_keys (
    key         INTEGER NOT NULL,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (key, incident_id)
) WITHOUT ROWID;
-- Deleting or rewriting an incident finds its keys through this index.
CREATE INDEX similarity_keys_incident ON similarity_keys(incident_id);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
DROP TABLE similarity_keys;
