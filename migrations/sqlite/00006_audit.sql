-- The audit log: every change, who made it, from where, and the before and
-- after of each field, written in the same transaction as the change.
--
-- Entries are numbered 1, 2, 3… without gaps and form a hash chain:
-- hash = SHA-256(prev_hash || canonical encoding of the entry), where
-- prev_hash is the hash of the entry before (32 zero bytes for the first).
-- `aftermath audit verify` recomputes the chain and names the first entry
-- that was edited, removed or moved.
--
-- audit_head holds the last seq and hash. Every writer updates it in the
-- transaction that appends: on PostgreSQL that row lock makes concurrent
-- writers append one after another, so the chain stays one line; on SQLite
-- the one writer does so already. It also tells a log whose tail was cut
-- from one that ends where it should.

-- +goose Up
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_name  TEXT NOT NULL DEFAULT '',
    token_id    TEXT NOT NULL DEFAULT '',
    token_label TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL DEFAULT '',
    -- changes: a JSON list of {"field", "before", "after"}, hashed as stored.
    changes     TEXT NOT NULL DEFAULT '[]',
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_name, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
