package dev.lore.retrieval;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;

/**
 * One retrieved chunk.
 *
 * @param chunkId the chunk
 * @param documentId its document
 * @param documentKey the document's identity in its source (relative path for files)
 * @param title document title
 * @param uri where the original is; for files it ends with {@code documentKey}
 * @param headingPath "Chapter > Section" of the chunk
 * @param text the chunk's text
 * @param score fused score (reciprocal rank fusion), higher is better
 * @param vectorScore cosine similarity to the query, -1..1, or null when no vector list (the query's own or, in hybrid
 *     search, its feedback list) returned the chunk
 * @param textScore full-text rank ({@code ts_rank_cd}), or null when the full-text branch did not return it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SearchResult(UUID chunkId, UUID documentId, String documentKey, String title, String uri, String headingPath,
                           String text, double score, Double vectorScore, Double textScore) {}
