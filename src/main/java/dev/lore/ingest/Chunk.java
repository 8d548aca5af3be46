package dev.lore.ingest;

import java.util.List;

/**
 * A piece of a document small enough for the embedding model (a langchain4j {@code TextSegment} plus the
 * structure it came from).
 *
 * @param position 0-based order of the chunk inside its document
 * @param headingPath enclosing headings, outermost first
 * @param text the chunk's own text (what search results quote)
 * @param tokens token count of {@link #embeddingText} by the embedding model's tokenizer
 * @param embeddingText what is embedded: a short breadcrumb (title and headings) and then {@code text}
 */
public record Chunk(int position, List<String> headingPath, String text, int tokens, String embeddingText) {

    /** The heading path as shown to users: {@code "Chapter > Section"}. */
    public String headingPathString() {
        return String.join(" > ", headingPath);
    }
}
