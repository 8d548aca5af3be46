-- A counter that moves whenever the chunk table changes (any insert, update, delete or truncate, cascades included).
-- The retriever caches full-text term statistics (how many chunks a caller may read, and how many of them hold each
-- query term) and trusts them only while this counter has not moved (dev.lore.retrieval.TermStatistics).
-- A sequence, not a row: bumping it takes no lock and is visible to every session at once.
CREATE SEQUENCE chunk_generation;

CREATE FUNCTION bump_chunk_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('chunk_generation');
    RETURN NULL;
END $$;

CREATE TRIGGER chunk_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chunk
    FOR EACH STATEMENT EXECUTE FUNCTION bump_chunk_generation();
