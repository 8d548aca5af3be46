package dev.lore.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.eval.RetrievalMetrics;
import dev.lore.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Retrieval quality on real documentation: a 200-page subset of the PostgreSQL 15 manual (installed by the test
 * command from Debian's postgresql-doc-15) and 78 questions written in users' words, each with the page(s) that
 * answer it ({@code src/test/resources/eval/}). Hybrid search must put a right page in the top 5 for at least
 * 80% of them; MRR and the single-method numbers are printed and written to {@code target/eval/pg-manual.json}.
 */
@QuarkusTest
class PgManualRetrievalTest {

    static final Path MANUAL = Path.of("/usr/share/doc/postgresql-doc-15/html");

    @Inject HybridRetriever retriever;
    @Inject ObjectMapper json;

    @Test
    void usersQuestionsFindTheRightPages() throws Exception {
        assertTrue(Files.isDirectory(MANUAL), MANUAL + " is missing: install postgresql-doc-15 (deploy/test.sh does)");
        Path dir = Files.createTempDirectory("lore-pg-subset");
        List<String> pages = resourceLines("/eval/pg-manual-subset.txt");
        for (String page : pages) Files.copy(MANUAL.resolve(page), dir.resolve(page));
        String sourceId = existingSource("pg-manual-subset");
        if (sourceId == null) { // a database kept from an earlier run (-Dquarkus.flyway.clean-at-start=false) is reused
            sourceId = Api.createFilesystemSource("pg-manual-subset", dir);
            JsonPath run = Api.syncAndWait(sourceId);
            Api.assertStatus(run, "succeeded");
            assertEquals(pages.size(), run.getInt("counts.indexed"), () -> run.prettify());
        }

        List<JsonNode> questions = new ArrayList<>();
        for (String line : resourceLines("/eval/suites/pg-manual.jsonl")) if (!line.contains("\"suite\"")) questions.add(json.readTree(line));
        assertTrue(questions.size() >= 25);
        SearchFilters filters = new SearchFilters(List.of(UUID.fromString(sourceId)), null, null, null);
        Map<String, Map<String, Double>> report = new LinkedHashMap<>();
        List<String> misses = new ArrayList<>();
        for (SearchMode mode : SearchMode.values()) {
            double hits = 0, rr = 0;
            for (JsonNode q : questions) {
                Set<String> relevant = new HashSet<>();
                q.get("relevant").forEach(r -> relevant.add(r.asText()));
                List<String> ranked = retriever.search(q.get("query").asText(), 20, filters, mode, dev.lore.support.TestCallers.ADMIN).stream()
                        .map(SearchResult::documentKey).toList();
                double hit = RetrievalMetrics.hitAtK(ranked, relevant, 5);
                hits += hit;
                rr += RetrievalMetrics.reciprocalRank(ranked, relevant, 10);
                if (mode == SearchMode.HYBRID && hit == 0) {
                    misses.add(q.get("id").asText() + " " + q.get("query").asText() + " → " + RetrievalMetrics.dedupe(ranked).subList(0, 5));
                }
            }
            report.put(mode.name().toLowerCase(), Map.of("hit@5", hits / questions.size(), "mrr@10", rr / questions.size()));
        }
        System.out.println("PostgreSQL manual subset, " + questions.size() + " questions: " + report);
        misses.forEach(m -> System.out.println("  miss: " + m));
        Files.createDirectories(Path.of("target/eval"));
        json.writerWithDefaultPrettyPrinter().writeValue(Path.of("target/eval/pg-manual.json").toFile(), report);
        double hybridHit = report.get("hybrid").get("hit@5");
        assertTrue(hybridHit >= 0.8, "hybrid hit@5 " + hybridHit + " < 0.8; misses: " + misses);
    }

    static String existingSource(String name) {
        List<Map<String, Object>> sources = io.restassured.RestAssured.given().get("/api/v1/sources").then().extract().jsonPath().getList("$");
        return sources.stream().filter(s -> name.equals(s.get("name")) && ((Number) s.get("documents")).intValue() > 0)
                .map(s -> (String) s.get("id")).findFirst().orElse(null);
    }

    static List<String> resourceLines(String name) throws IOException {
        try (InputStream in = PgManualRetrievalTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        }
    }
}
