-- Document access lists, and tenant isolation enforced by PostgreSQL as a second wall (row-level security).
--
-- An access list is a set of principals: 'u:<username>' (one user), 'g:<group>' (members of a Keycloak group) and
-- '*' (everyone in the document's tenant). An empty list means: readable by the tenant's admins only (fail closed).
-- Chunks carry a copy of their document's list, so retrieval filters on it in both branches without a join; the
-- copy is rewritten in the same transaction as the document's list.

ALTER TABLE document ADD COLUMN acl text[] NOT NULL DEFAULT '{}';
-- What the connector last said about access (null: never said anything). The effective list `acl` is, in order:
-- an admin's pinned list; else the source's acl_override; else connector_acl; else empty (admins only).
ALTER TABLE document ADD COLUMN connector_acl text[];
-- true when an admin set this document's list by hand: connector updates and source overrides then leave it alone
ALTER TABLE document ADD COLUMN acl_pinned boolean NOT NULL DEFAULT false;
ALTER TABLE chunk    ADD COLUMN acl text[] NOT NULL DEFAULT '{}';
CREATE INDEX chunk_acl_idx ON chunk USING gin (acl);
CREATE INDEX document_tenant_idx ON document (tenant_id, source_id);

-- An admin's override of every access list of a source (null: the connector's lists apply).
ALTER TABLE source ADD COLUMN acl_override text[];

-- Service identities: what an API key may do and read.
ALTER TABLE api_key ADD COLUMN roles  text[] NOT NULL DEFAULT '{user}';
ALTER TABLE api_key ADD COLUMN groups text[] NOT NULL DEFAULT '{}';

-- HTTP tools belong to a tenant: names are unique per tenant, and a tool of one tenant is invisible to the others.
ALTER TABLE http_tool DROP CONSTRAINT http_tool_pkey;
ALTER TABLE http_tool ADD PRIMARY KEY (tenant_id, name);

-- Who started a conversation (a user name or 'apikey:<name>'); only they and the tenant's admins may read it.
ALTER TABLE conversation ADD COLUMN owner text;

-- Row-level security: every statement on document and chunk sees only the rows of the tenant named by the
-- connection's setting lore.tenant (set by Lore when it takes a connection from the pool). '*' is used by
-- background jobs that work across tenants (re-embedding); an unset or empty setting sees nothing.
-- FORCE makes the policy apply to the table owner too (Lore connects as the owner).
ALTER TABLE document ENABLE ROW LEVEL SECURITY;
ALTER TABLE document FORCE ROW LEVEL SECURITY;
CREATE POLICY document_tenant_wall ON document
    USING (tenant_id = current_setting('lore.tenant', true) OR current_setting('lore.tenant', true) = '*')
    WITH CHECK (tenant_id = current_setting('lore.tenant', true) OR current_setting('lore.tenant', true) = '*');

ALTER TABLE chunk ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunk FORCE ROW LEVEL SECURITY;
CREATE POLICY chunk_tenant_wall ON chunk
    USING (tenant_id = current_setting('lore.tenant', true) OR current_setting('lore.tenant', true) = '*')
    WITH CHECK (tenant_id = current_setting('lore.tenant', true) OR current_setting('lore.tenant', true) = '*');
