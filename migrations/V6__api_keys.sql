-- API keys of client applications (help desk, web site bots). Only a SHA-256 of each key is stored; the key itself is
-- shown once, when it is created.
CREATE TABLE api_key (
    id              uuid PRIMARY KEY,
    tenant_id       text        NOT NULL DEFAULT 'default',
    name            text        NOT NULL,
    key_prefix      text        NOT NULL,           -- first characters, to recognise a key in lists
    key_hash        text        NOT NULL UNIQUE,    -- SHA-256 hex of the whole key
    rate_per_minute integer     NOT NULL DEFAULT 60,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
