-- HTTP tools: company systems the agents can call, declared as data (JSON or imported from OpenAPI).
CREATE TABLE http_tool (
    name                  text PRIMARY KEY,
    tenant_id             text        NOT NULL DEFAULT 'default',
    description           text        NOT NULL,
    method                text        NOT NULL,          -- GET | POST | PUT | PATCH | DELETE
    url_template          text        NOT NULL,          -- e.g. https://orders.internal/api/orders/{orderId}
    parameters            jsonb       NOT NULL,          -- JSON Schema of the arguments (object)
    allowed_hosts         text[]      NOT NULL,
    auth_header           text,                          -- e.g. Authorization
    auth_secret           text,                          -- name of the secret: env LORE_SECRET_<NAME> or lore.secrets.<name>
    auth_prefix           text,                          -- e.g. "Bearer "
    read_only             boolean     NOT NULL,
    requires_confirmation boolean     NOT NULL DEFAULT false,
    timeout_ms            integer     NOT NULL DEFAULT 10000,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- A side-effecting tool call waiting for the client's confirmation ends the turn; the conversation keeps it here.
ALTER TABLE conversation ADD COLUMN pending_action jsonb;
