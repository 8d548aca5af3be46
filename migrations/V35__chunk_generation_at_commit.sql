-- The chunk generation (V33) was a sequence moved when a statement ran: a sequence step is visible to everyone at
-- once, before the transaction commits, so a term count that ran in between read the old rows and was cached under
-- the new generation, stale until the cache's time limit. The generation is now a row, moved inside the changing
-- transaction: readers see the new value exactly when they see the new chunks (a count whose snapshot misses a change
-- was read under the old value, and is dropped once the change is visible). The row is moved once per transaction,
-- at commit (a deferred trigger; a transaction-local setting remembers that it was moved), so concurrent writers
-- wait on its lock only for their commit.
CREATE TABLE chunk_generation_value (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    value bigint  NOT NULL
);
INSERT INTO chunk_generation_value (value) VALUES (1);

CREATE FUNCTION bump_chunk_generation_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('lore.chunk_generation_moved', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('lore.chunk_generation_moved', txid_current()::text, true);
        UPDATE chunk_generation_value SET value = value + 1;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER chunk_changed ON chunk;
DROP FUNCTION bump_chunk_generation();
DROP SEQUENCE chunk_generation;

CREATE CONSTRAINT TRIGGER chunk_changed AFTER INSERT OR UPDATE OR DELETE ON chunk
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_chunk_generation_once();
CREATE TRIGGER chunk_truncated AFTER TRUNCATE ON chunk
    FOR EACH STATEMENT EXECUTE FUNCTION bump_chunk_generation_once();
