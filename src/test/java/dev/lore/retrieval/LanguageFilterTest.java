package dev.lore.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lore.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The {@code languages} search filter: a short note whose language cannot be told has none, so {@code ["en"]} leaves it
 * out and {@code ["en", "und"]} takes it in; a German page stays out of both.
 */
@QuarkusTest
class LanguageFilterTest {

    @Inject HybridRetriever retriever;

    @Test
    void undeterminedTakesInDocumentsOfUnknownLanguage() throws Exception {
        Path dir = Files.createTempDirectory("lore-languages");
        Files.writeString(dir.resolve("vpn.txt"), "VPN setup guide");
        Files.writeString(dir.resolve("policy.txt"), "The VPN policy asks everyone to connect through the company VPN "
                + "when working from a cafe, a hotel or any other network that the company does not run.");
        Files.writeString(dir.resolve("anleitung.txt"), "Die VPN Anleitung erklärt, wie man sich von zu Hause aus mit dem "
                + "Firmennetz verbindet und welche Einstellungen dafür nötig sind.");
        String sourceId = Api.createFilesystemSource("languages-" + Long.toString(System.nanoTime(), 36), dir);
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");
        UUID source = UUID.fromString(sourceId);

        assertEquals(Set.of("policy.txt"), found(new SearchFilters(List.of(source), null, null, List.of("en"))));
        assertEquals(Set.of("policy.txt", "vpn.txt"), found(new SearchFilters(List.of(source), null, null, List.of("en", "und"))));
        assertEquals(Set.of("anleitung.txt", "vpn.txt"), found(new SearchFilters(List.of(source), null, null, List.of("DE", "Und"))));
    }

    private Set<String> found(SearchFilters filters) {
        return retriever.search("VPN", 10, filters, SearchMode.FULLTEXT, dev.lore.support.TestCallers.ADMIN).stream()
                .map(SearchResult::documentKey).collect(Collectors.toSet());
    }
}
