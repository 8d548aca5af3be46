-- Long-term memory per end user, kept by agents through the remember / recall / forget tools.
CREATE TABLE user_memory (
    id           uuid PRIMARY KEY,
    tenant_id    text        NOT NULL DEFAULT 'default',
    end_user_id  text        NOT NULL,
    text         text        NOT NULL,
    embedding    vector      NOT NULL,          -- same model as the chunk index (index_meta)
    source_conversation uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_memory_user_idx ON user_memory (tenant_id, end_user_id);
