package dev.lore.retrieval;

import java.util.List;
import java.util.UUID;

/**
 * Metadata filters applied inside the SQL of both retrieval branches, before ranking and limits.
 * Every field is optional; set fields are combined with AND, list values with OR. An empty list in a request is refused
 * (400, {@link #EMPTY}): it would otherwise read as "no filter" and search everything the caller may read.
 *
 * @param sourceIds only chunks of these sources
 * @param pathPrefix only documents whose key (path relative to the source root) starts with this (a plain prefix:
 *     {@code sub} also takes {@code subway.txt}, {@code sub/} only the folder); a leading {@code ./} is dropped, a
 *     leading {@code /} refused
 * @param contentTypes only these media types, e.g. {@code text/html} (a value that is not a media type is refused)
 * @param languages only these ISO 639-1 languages, e.g. {@code en}; {@code und} (undetermined) adds documents whose
 *     language is unknown (under 12 letters, or a short text the detector was not sure of)
 */
public record SearchFilters(@jakarta.validation.constraints.Size(min = 1, message = EMPTY) List<UUID> sourceIds,
                            @jakarta.validation.constraints.Pattern(regexp = "(?s)(?!/).*", message = "is relative to the source's folder (e.g. \"admin/\"), not an absolute path") String pathPrefix,
                            @jakarta.validation.constraints.Size(min = 1, message = EMPTY)
                            List<@jakarta.validation.constraints.Pattern(regexp = "[\\w.+-]+/[\\w.+-]+", message = "is not a media type (e.g. text/markdown, text/html, application/pdf)") String> contentTypes,
                            @jakarta.validation.constraints.Size(min = 1, message = EMPTY)
                            List<@jakarta.validation.constraints.Pattern(regexp = "[A-Za-z]{2,3}", message = "is not a language code (ISO 639-1 such as en or de, or und)") String> languages) {

    /** Why an empty filter list is refused (checked where requests are validated: the search and chat APIs). */
    public static final String EMPTY = "empty list: name at least one value, or leave the filter out to search everything you may read";

    /** The language filter value that matches documents of unknown language. */
    public static final String UNDETERMINED = "und";

    /**
     * Null entries in the lists are dropped (a JSON {@code [null]} filters nothing rather than failing), and NUL
     * characters are removed from the texts (PostgreSQL text cannot hold them; no stored key or type contains one).
     */
    public SearchFilters {
        sourceIds = clean(sourceIds);
        pathPrefix = pathPrefix == null ? null : pathPrefix.replace("\0", "");
        while (pathPrefix != null && pathPrefix.startsWith("./")) pathPrefix = pathPrefix.substring(2); // "./admin/" is "admin/"
        contentTypes = cleanTexts(contentTypes);
        languages = cleanTexts(languages);
    }

    private static List<String> cleanTexts(List<String> values) {
        return values == null ? null : clean(values).stream().map(v -> v.replace("\0", "")).toList();
    }

    private static <T> List<T> clean(List<T> values) {
        return values == null ? null : values.stream().filter(java.util.Objects::nonNull).toList();
    }

    /**
     * A filter name this record does not know ({@code "sourceId"} for {@code sourceIds}) is refused: ignored, it would
     * silently search everything the caller may read.
     *
     * @throws IllegalArgumentException always (the API answers 400 naming the field)
     */
    @com.fasterxml.jackson.annotation.JsonAnySetter
    void unknownFilter(String name, Object value) {
        throw dev.lore.platform.JsonErrors.unknownField(name, SearchFilters.class, "filter");
    }

    /** No filtering. */
    public static final SearchFilters NONE = new SearchFilters(null, null, null, null);
}
