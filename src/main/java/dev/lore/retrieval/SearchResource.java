package dev.lore.retrieval;

import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code POST /api/v1/search}: hybrid search over the index. */
@Path("/api/v1/search")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Search")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class SearchResource {

    @Inject Callers callers;

    @Inject HybridRetriever retriever;

    /**
     * Body of a search.
     *
     * @param query the words to search for, up to 4,000 characters (only its first 64 distinct terms reach the
     *     full-text branch; the embedding model reads the first 512 tokens)
     * @param limit results wanted, 1..100, default 10
     * @param filters optional metadata filters
     * @param mode {@code hybrid} (default), {@code vector} or {@code fulltext}
     */
    public record SearchRequest(@NotBlank @Size(max = HybridRetriever.MAX_QUERY_CHARS, message = "at most {max} characters") String query, @Min(1) @Max(100) Integer limit, @Valid SearchFilters filters, String mode) {
        /** A misspelt field ({@code filter}, {@code sourceIds} at the top) is refused: ignored, it would widen the search. */
        @com.fasterxml.jackson.annotation.JsonAnySetter
        void unknownField(String name, Object value) {
            throw dev.lore.platform.JsonErrors.unknownField(name, SearchRequest.class, "field");
        }
    }

    /** Search results, best first. */
    public record SearchResponse(List<SearchResult> results) {}

    @POST
    @Operation(summary = "Search", description = "Hybrid (vector + full-text, reciprocal rank fusion) search with metadata filters.")
    public SearchResponse search(@Valid @NotNull SearchRequest request) {
        SearchMode mode;
        try {
            mode = request.mode() == null ? SearchMode.HYBRID : SearchMode.valueOf(request.mode().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("mode must be one of hybrid, vector, fulltext");
        }
        int limit = request.limit() == null ? 10 : request.limit();
        return new SearchResponse(retriever.search(request.query(), limit,
                request.filters() == null ? SearchFilters.NONE : request.filters(), mode, callers.current()));
    }
}
