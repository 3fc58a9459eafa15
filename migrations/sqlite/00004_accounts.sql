-- Accounts: users with roles, API tokens, server-side sessions and the
-- counters behind the login rate limit. Everything that several instances
-- on one database must agree on lives here rather than in memory.
--
-- No secret is stored in clear: passwords as argon2id hashes, API tokens
-- and session tokens as SHA-256 hashes (both are 256-bit random values, so
-- a fast hash is enough: there is nothing to guess).

-- +goose Up
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
    source          TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc')),
    -- password_hash is empty for single-sign-on accounts, which cannot log
    -- in with a password.
    password_hash   TEXT NOT NULL DEFAULT '',
    -- session_epoch is raised to end every session of the user.
    session_epoch   INTEGER NOT NULL DEFAULT 1,
    -- oidc_subject is "issuer subject" of a single-sign-on account.
    oidc_subject    TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label           TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'viewer', 'responder', 'admin')),
    hash            BLOB NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    expires_at      INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- sessions backs alexedwards/scs: token_hash is the SHA-256 of the cookie's
-- value, data the encoded session, expiry in Unix nanoseconds.
CREATE TABLE sessions (
    token_hash      BLOB PRIMARY KEY,
    data            BLOB NOT NULL,
    expiry          INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions(expiry);

-- login_failures counts failed logins in a row per account ("user NAME")
-- and per client address ("addr IP"); a success clears the account's and
-- the address's counters.
CREATE TABLE login_failures (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- +goose Down
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
