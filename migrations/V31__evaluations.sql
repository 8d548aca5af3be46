-- Evaluation runs with the configuration they ran under, their per-case results, cases made from rated answers,
-- and ratings of the bot API's agent turns. Every row belongs to a tenant; every query filters on it.

CREATE TABLE eval_run (
    id            uuid PRIMARY KEY,
    tenant_id     text        NOT NULL,
    suite         text        NOT NULL,
    status        text        NOT NULL,          -- queued | running | succeeded | failed
    requested_by  text        NOT NULL,
    cases_total   integer     NOT NULL DEFAULT 0,
    cases_done    integer     NOT NULL DEFAULT 0,
    options       jsonb       NOT NULL DEFAULT '{}',
    config        jsonb       NOT NULL DEFAULT '{}', -- model, embedding model, chunking, prompt versions, git commit
    metrics       jsonb       NOT NULL DEFAULT '{}',
    gate          jsonb,                          -- the comparison with the suite's baseline, when there was one
    gate_passed   boolean,
    error         text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX eval_run_suite_idx ON eval_run (tenant_id, suite, started_at DESC);

CREATE TABLE eval_case_result (
    run_id      uuid    NOT NULL REFERENCES eval_run (id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    case_id     text    NOT NULL,
    type        text    NOT NULL,
    passed      boolean NOT NULL,
    metrics     jsonb   NOT NULL DEFAULT '{}',
    latency_ms  bigint  NOT NULL,
    tokens_in   integer,
    tokens_out  integer,
    detail      jsonb,
    PRIMARY KEY (run_id, case_id)
);

-- Cases an admin made from rated answers (one call), run as the suite they name and exportable as JSONL.
CREATE TABLE eval_case (
    tenant_id    text        NOT NULL,
    suite        text        NOT NULL,
    case_id      text        NOT NULL,
    body         jsonb       NOT NULL,            -- the case as a suite line
    source_turn  uuid,                            -- the rated turn it came from
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, suite, case_id)
);

-- Ratings of agent turns (bot API), with the turn's tool trace when it was rated.
CREATE TABLE agent_feedback (
    turn_id          uuid PRIMARY KEY,
    conversation_id  uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    tenant_id        text        NOT NULL,
    username         text        NOT NULL,
    rating           smallint    NOT NULL CHECK (rating IN (-1, 1)),
    comment          text,
    question         text        NOT NULL,
    reply            text        NOT NULL,
    trace            jsonb       NOT NULL DEFAULT '[]', -- the turn's tool calls: name, arguments, result (truncated)
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_feedback_tenant_idx ON agent_feedback (tenant_id, updated_at DESC);
