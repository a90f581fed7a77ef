-- Access tokens revoked before their expiry (logout, a revoked refresh
-- family): checked on every request from each instance's copy in memory,
-- which each instance refreshes from here; deleted once expired.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at);

-- The access token issued with each refresh token, so that revoking a
-- family revokes the access tokens it gave out too.
ALTER TABLE refresh_tokens ADD COLUMN access_jti TEXT;
ALTER TABLE refresh_tokens ADD COLUMN access_expires_at BIGINT;

-- Keys revoked lately, found by each instance to close their WebSockets.
CREATE INDEX api_keys_revoked_at ON api_keys (revoked_at);
