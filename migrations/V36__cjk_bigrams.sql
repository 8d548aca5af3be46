-- Chinese, Japanese and Korean in the full-text index. PostgreSQL's parser has no word segmentation for these
-- scripts: a run of Han characters between two punctuation marks became one "word" (年假申请须提前两周提交给直属经理审批),
-- so a question almost never shared a lexeme with its paragraph. Like Lucene's CJK bigram analyzer, every run of Han,
-- Hiragana, Katakana or Hangul characters is indexed as its overlapping character pairs (年假 假申 申请 …; a single
-- character stays as it is); everything else is left to the 'english' configuration as before. The query goes
-- through the same function (dev.lore.retrieval.HybridRetriever), so a question's pairs meet the paragraph's.
-- Text without such characters is returned unchanged (one regular-expression test), so English chunks index exactly
-- as before.
CREATE FUNCTION lore_fts_text(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN t !~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]' THEN t ELSE (
        SELECT string_agg(CASE WHEN r.m[1] IS NULL THEN r.m[2] ELSE
                   ' ' || (SELECT string_agg(substr(r.m[1], i, 2), ' ' ORDER BY i)
                           FROM generate_series(1, greatest(length(r.m[1]) - 1, 1)) AS i) || ' '
               END, '' ORDER BY r.n)
        FROM regexp_matches(t, '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+)|([^\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+)', 'g')
             WITH ORDINALITY AS r(m, n))
    END
$$;

-- The three generated columns of V1 and V34, rebuilt through the function (same parts, same weights).
ALTER TABLE chunk DROP COLUMN tsv, DROP COLUMN tsv_terms, DROP COLUMN tsv_head;
ALTER TABLE chunk
    ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, lore_fts_text(COALESCE(title, ''))), 'A') ||
        setweight(to_tsvector('english'::regconfig, lore_fts_text(heading_path)), 'B') ||
        setweight(to_tsvector('english'::regconfig, lore_fts_text(text)), 'C')) STORED,
    ADD COLUMN tsv_terms tsvector GENERATED ALWAYS AS (strip(to_tsvector('english'::regconfig, lore_fts_text(COALESCE(title, '')))
        || to_tsvector('english'::regconfig, lore_fts_text(heading_path)) || to_tsvector('english'::regconfig, lore_fts_text(text)))) STORED,
    ADD COLUMN tsv_head tsvector GENERATED ALWAYS AS (strip(to_tsvector('english'::regconfig, lore_fts_text(COALESCE(title, '')))
        || to_tsvector('english'::regconfig, lore_fts_text(heading_path)))) STORED;
CREATE INDEX chunk_tsv_idx ON chunk USING gin (tsv);

-- cached term statistics describe the old columns
UPDATE chunk_generation_value SET value = value + 1;
