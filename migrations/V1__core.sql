-- Lore core schema: sources, sync runs, documents, chunks (with embeddings and full-text vectors).
-- Flyway owns this schema; the application never creates tables. The `vector` extension must exist
-- (a superuser creates it once per database: deploy/lib/postgres.sh does).

CREATE EXTENSION IF NOT EXISTS vector;

-- Which embedding model built the index. One row; the app refuses to start with another model
-- unless asked to re-embed (lore.embedding.reembed-on-mismatch=true).
CREATE TABLE index_meta (
    id              smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    embedding_model text        NOT NULL,
    dimension       integer     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE source (
    id          uuid PRIMARY KEY,
    tenant_id   text        NOT NULL DEFAULT 'default',
    type        text        NOT NULL,
    name        text        NOT NULL,
    config      jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

CREATE TABLE sync_run (
    id           uuid PRIMARY KEY,
    source_id    uuid        NOT NULL REFERENCES source (id) ON DELETE CASCADE,
    status       text        NOT NULL,             -- running | succeeded | failed
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    total        integer     NOT NULL DEFAULT 0,   -- documents seen by the connector so far
    done         integer     NOT NULL DEFAULT 0,
    indexed      integer     NOT NULL DEFAULT 0,
    unchanged    integer     NOT NULL DEFAULT 0,
    skipped      integer     NOT NULL DEFAULT 0,
    failed       integer     NOT NULL DEFAULT 0,
    deleted      integer     NOT NULL DEFAULT 0,
    chunks       integer     NOT NULL DEFAULT 0,
    checkpoint   jsonb,                             -- connector checkpoint after the last finished page
    error        text
);
CREATE INDEX sync_run_source_idx ON sync_run (source_id, started_at DESC);

-- One row per document per run: what happened to it and why.
CREATE TABLE sync_item (
    run_id      uuid NOT NULL REFERENCES sync_run (id) ON DELETE CASCADE,
    document_key text NOT NULL,                      -- the connector's document id (relative path for files)
    status      text NOT NULL,                      -- indexed | unchanged | skipped | failed | deleted
    reason      text,
    chunks      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, document_key)
);
CREATE INDEX sync_item_status_idx ON sync_item (run_id, status);

CREATE TABLE document (
    id            uuid PRIMARY KEY,
    tenant_id     text        NOT NULL DEFAULT 'default',
    source_id     uuid        NOT NULL REFERENCES source (id) ON DELETE CASCADE,
    document_key  text        NOT NULL,             -- identity inside the source: the relative path for files
    uri           text        NOT NULL,
    title         text,
    content_type  text,
    language      text,
    content_hash  text        NOT NULL,             -- SHA-256 of the raw bytes, hex, plus the chunking settings
    size_bytes    bigint      NOT NULL DEFAULT 0,
    chunk_count   integer     NOT NULL DEFAULT 0,
    indexed_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_id, document_key)
);

-- Chunks carry copies of the document fields they are filtered on, so search needs no join.
-- The embedding column is dimension-less; the HNSW index is an expression index on
-- (embedding::vector(N)) created by the application for the model's dimension N.
CREATE TABLE chunk (
    id            uuid PRIMARY KEY,
    document_id   uuid        NOT NULL REFERENCES document (id) ON DELETE CASCADE,
    tenant_id     text        NOT NULL DEFAULT 'default',
    source_id     uuid        NOT NULL,
    document_key  text        NOT NULL,
    position      integer     NOT NULL,
    title         text,
    heading_path  text        NOT NULL DEFAULT '',
    uri           text        NOT NULL,
    content_type  text,
    language      text,
    text          text        NOT NULL,
    text_hash     text        NOT NULL,             -- SHA-256 of the embedded text: identical text reuses its embedding
    embedding     vector      NOT NULL,
    tsv           tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                    setweight(to_tsvector('english', heading_path), 'B') ||
                    setweight(to_tsvector('english', text), 'C')) STORED
);
CREATE INDEX chunk_document_idx ON chunk (document_id);
CREATE INDEX chunk_source_idx   ON chunk (source_id, document_key);
CREATE INDEX chunk_text_hash_idx ON chunk (text_hash);
CREATE INDEX chunk_tsv_idx      ON chunk USING gin (tsv);
