-- zenoo-server's own tables, beside the sync's in the same database
-- (numbered from 1000; each migrator ignores the other's).

-- API keys: shown once at creation; only the SHA-256 of the whole key is
-- kept, looked up by the key's public id.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    suppliers TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

-- People who log in with a password (argon2id PHC strings).
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    suppliers TEXT,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- Refresh tokens (SHA-256), rotated at each use; a family is revoked
-- whole when a used token comes back.
CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    family TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

-- Who asked for what: every authenticated request.
CREATE TABLE request_audit (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    principal TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    request_id TEXT
);
