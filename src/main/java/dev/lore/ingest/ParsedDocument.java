package dev.lore.ingest;

import java.util.List;

/**
 * A document's text after parsing, split along its own structure.
 *
 * @param title the document's title (HTML {@code <title>}, first heading, or the file name)
 * @param contentType detected media type, e.g. {@code text/html}
 * @param language ISO 639-1 code detected from the text, or {@code null} when unsure
 * @param sections text sections in document order, each under its heading path
 */
public record ParsedDocument(String title, String contentType, String language, List<Section> sections) {

    /**
     * A run of text under one heading.
     *
     * @param headingPath the enclosing headings, outermost first (e.g. {@code ["Indexes", "Index Types"]})
     * @param text the section's text; paragraphs separated by blank lines
     */
    public record Section(List<String> headingPath, String text) {}

    /** Total characters of text over all sections. */
    public int textLength() {
        return sections.stream().mapToInt(s -> s.text().length()).sum();
    }
}
