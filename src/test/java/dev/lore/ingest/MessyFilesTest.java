package dev.lore.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import dev.lore.support.SharedData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The real messy files of {@code ../shared/datasets/messy-files} (Apache Tika's test documents): each one ends the
 * sync indexed, or skipped/failed with a reason; nothing crashes the run.
 */
@QuarkusTest
class MessyFilesTest {

    @Test
    void everyMessyFileGetsAStatusAndTheGoodOnesAreSearchable() throws Exception {
        Path messy = SharedData.require("messy-files");
        Path dir = Files.createTempDirectory("lore-messy");
        int files = 0;
        try (Stream<Path> list = Files.list(messy)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                if (name.equals("LICENSE.txt") || name.equals("SOURCES.tsv")) continue;
                Files.copy(p, dir.resolve(name));
                files++;
            }
        }
        String sourceId = Api.createFilesystemSource("messy-files", dir);
        JsonPath run = Api.syncAndWait(sourceId);
        Api.assertStatus(run, "succeeded");
        Map<String, String> status = Api.runDocuments(sourceId, run.getString("id"));
        Map<String, String> reasons = Api.runReasons(sourceId, run.getString("id"));
        status.forEach((k, v) -> System.out.printf("messy %-40s %-8s %s%n", k, v, reasons.get(k) == null ? "" : reasons.get(k)));

        assertEquals(files, status.size());
        for (var e : status.entrySet()) {
            assertTrue(Set.of("indexed", "skipped", "failed").contains(e.getValue()), e.toString());
            if (!e.getValue().equals("indexed")) {
                assertNotNull(reasons.get(e.getKey()), e.getKey());
                assertFalse(reasons.get(e.getKey()).isBlank(), e.getKey());
            }
        }
        assertEquals("failed", status.get("testWORD_protected_passtika.docx"));
        assertTrue(reasons.get("testWORD_protected_passtika.docx").contains("password"), reasons.get("testWORD_protected_passtika.docx"));
        for (String good : new String[] {"testPDF.pdf", "testWORD_various.docx", "testOpenOffice2.odt", "testPPT_various.pptx",
                "testThunderbirdEml.eml", "testHTML_charset_utf16le.html", "testMARKDOWN.md", "testRTF-ms932.rtf"}) {
            assertEquals("indexed", status.get(good), good + ": " + reasons.get(good));
        }
        long indexed = status.values().stream().filter("indexed"::equals).count();
        assertTrue(indexed >= files - 5, "only " + indexed + " of " + files + " indexed: " + status);
        assertEquals("testPDF.pdf", Api.search("Apache Tika toolkit detects and extracts metadata", 1, sourceId).getFirst().get("documentKey"));
    }
}
