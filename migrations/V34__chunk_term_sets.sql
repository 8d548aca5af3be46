-- Small companions of chunk.tsv for the full-text branch's IDF scoring (dev.lore.retrieval.HybridRetriever): the
-- chunk's lexemes without positions or weights (all of title, headings and text), and those of its title and headings.
-- Scoring every match of a common word against chunk.tsv decompressed or fetched the full vector (with positions,
-- often stored out of line) once per query term; these are a fraction of its size and answer "does the chunk hold
-- this term" and "is it in a title or heading" the same way (chunk.tsv keeps matching via its GIN index and
-- ts_rank_cd, which needs positions). Built from the same three parts as chunk.tsv (V1), so they hold exactly its
-- lexemes: one concatenated string would be tokenised differently at the joins.
ALTER TABLE chunk
    ADD COLUMN tsv_terms tsvector GENERATED ALWAYS AS (strip(to_tsvector('english'::regconfig, COALESCE(title, ''))
        || to_tsvector('english'::regconfig, heading_path) || to_tsvector('english'::regconfig, text))) STORED,
    ADD COLUMN tsv_head tsvector GENERATED ALWAYS AS (strip(to_tsvector('english'::regconfig, COALESCE(title, ''))
        || to_tsvector('english'::regconfig, heading_path))) STORED;
