-- Agents as data, conversations with persisted memory, and the audit trail of every model and tool call.

CREATE TABLE agent (
    id               uuid PRIMARY KEY,
    tenant_id        text        NOT NULL DEFAULT 'default',
    name             text        NOT NULL,
    description      text,
    system_prompt    text        NOT NULL,
    model            text,                       -- null: the model server's default (lore.model.name or discovered)
    temperature      double precision,
    tools            text[]      NOT NULL DEFAULT '{}',   -- tool names this agent may call
    source_ids       uuid[],                     -- knowledge sources search_knowledge may use; null = all
    max_model_calls  integer     NOT NULL DEFAULT 6,
    max_tool_calls   integer     NOT NULL DEFAULT 12,
    tool_timeout_ms  integer     NOT NULL DEFAULT 10000,
    turn_timeout_ms  integer     NOT NULL DEFAULT 120000,
    memory_tokens    integer     NOT NULL DEFAULT 3000,  -- token budget of the conversation window sent to the model
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

CREATE TABLE conversation (
    id               uuid PRIMARY KEY,
    tenant_id        text        NOT NULL DEFAULT 'default',
    agent_id         uuid        NOT NULL REFERENCES agent (id),
    end_user_id      text,
    metadata         jsonb       NOT NULL DEFAULT '{}',
    status           text        NOT NULL DEFAULT 'active',  -- active | handed_over | closed
    handover_reason  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_user_idx ON conversation (tenant_id, end_user_id);

-- The transcript and the agent's memory: one row per message, in order (seq).
CREATE TABLE conversation_message (
    conversation_id  uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    seq              integer     NOT NULL,
    turn_id          uuid        NOT NULL,
    role             text        NOT NULL,       -- user | assistant | tool
    content          text,
    tool_calls       jsonb,                      -- assistant: [{"id","name","arguments"}]
    tool_call_id     text,                       -- tool: which call this result answers
    tool_name        text,
    tokens           integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE audit_event (
    id               bigserial PRIMARY KEY,
    conversation_id  uuid        REFERENCES conversation (id) ON DELETE CASCADE,
    turn_id          uuid        NOT NULL,
    kind             text        NOT NULL,       -- model_call | tool_call
    name             text,                       -- model or tool name
    arguments        jsonb,
    result_size      integer,
    duration_ms      integer     NOT NULL,
    tokens_in        integer,
    tokens_out       integer,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_event_conversation_idx ON audit_event (conversation_id, id);
