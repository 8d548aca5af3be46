-- chunk_generation (V33) moved when a statement ran, before its transaction committed: a term count that began in
-- between read the old rows and was cached under the new generation, stale until the cache's time limit. This trigger
-- moves it again at commit (deferred to the end of the transaction, once per changed row: a sequence step costs
-- microseconds), so a count cached before a change became visible is dropped as soon as it is. The statement trigger
-- stays for TRUNCATE, which row triggers do not see.
CREATE CONSTRAINT TRIGGER chunk_changed_at_commit AFTER INSERT OR UPDATE OR DELETE ON chunk
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_chunk_generation();
