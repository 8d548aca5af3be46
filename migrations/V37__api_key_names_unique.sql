-- An API key's name is its identity (apikey:<name>): conversations it starts belong to it, and its end users live in
-- their own namespace (ext:<key name>:<id>). Two keys with one name shared both, so a new key named like a revoked one
-- took over its conversations. Names are now unique in a tenant, revoked keys included.

-- later keys that share a name keep working under a new one: the name and the key's first characters
UPDATE api_key k SET name = k.name || ' (' || k.key_prefix || ')'
WHERE EXISTS (SELECT 1 FROM api_key o WHERE o.tenant_id = k.tenant_id AND o.name = k.name
                                         AND (o.created_at, o.id) < (k.created_at, k.id));
CREATE UNIQUE INDEX api_key_tenant_name_idx ON api_key (tenant_id, name);

-- end users of client applications: ext:<id> becomes ext:<key name>:<id> of the key that started the conversation
UPDATE conversation SET end_user_id = 'ext:' || substr(owner, length('apikey:') + 1) || ':' || substr(end_user_id, length('ext:') + 1)
WHERE end_user_id LIKE 'ext:%' AND owner LIKE 'apikey:%';
-- memories follow the conversation they were made in (a memory with none stays ext:<id>: signed-in admins can list
-- and erase it by that id)
UPDATE user_memory m SET end_user_id = c.end_user_id
FROM conversation c
WHERE m.source_conversation = c.id AND m.tenant_id = c.tenant_id AND m.end_user_id LIKE 'ext:%'
  AND c.end_user_id LIKE 'ext:%' AND m.end_user_id = 'ext:' || substr(c.end_user_id, length('ext:' || substr(c.owner, length('apikey:') + 1) || ':') + 1);
