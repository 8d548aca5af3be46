-- The chat page's conversations (question + cited answer per turn) and people's ratings of answers.
-- Rows belong to a tenant and to the person who asked; every query of the pages filters on both.

CREATE TABLE chat_thread (
    id          uuid PRIMARY KEY,
    tenant_id   text        NOT NULL,
    owner       text        NOT NULL,            -- the user name of the person who started it
    title       text        NOT NULL,            -- the first question, shortened
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_thread_owner_idx ON chat_thread (tenant_id, owner, updated_at DESC);

CREATE TABLE chat_turn (
    id              uuid PRIMARY KEY,
    thread_id       uuid        NOT NULL REFERENCES chat_thread (id) ON DELETE CASCADE,
    tenant_id       text        NOT NULL,
    seq             integer     NOT NULL,
    question        text        NOT NULL,
    answer          text        NOT NULL,
    mode            text        NOT NULL,        -- generative | extractive
    model           text,
    notice          text,
    citations       jsonb       NOT NULL DEFAULT '[]',
    retrieval       jsonb       NOT NULL DEFAULT '[]', -- the retrieved chunks: ids, titles, heading paths, scores
    first_token_ms  integer,
    duration_ms     integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (thread_id, seq)
);

CREATE TABLE feedback (
    turn_id     uuid PRIMARY KEY REFERENCES chat_turn (id) ON DELETE CASCADE,
    tenant_id   text        NOT NULL,
    username    text        NOT NULL,
    rating      smallint    NOT NULL CHECK (rating IN (-1, 1)),
    comment     text,
    question    text        NOT NULL,            -- copies, so a rating reads on its own
    mode        text        NOT NULL,
    retrieval   jsonb       NOT NULL DEFAULT '[]', -- the turn's retrieval trace when it was rated
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_tenant_idx ON feedback (tenant_id, updated_at DESC);
