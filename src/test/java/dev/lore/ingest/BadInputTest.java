package dev.lore.ingest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input, generated here: every file ends the sync with a status and a reason, one bad file stops nothing,
 * and every good file is searchable afterwards.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    Path dir;

    String sourceId;
    String runId;
    Map<String, String> status;
    Map<String, String> reasons;

    @BeforeEach
    void ingestBadFolder() throws Exception {
        if (sourceId != null) return; // once per class; RestAssured's port is only set up for test methods
        dir = Files.createTempDirectory("lore-bad-input");
        Files.write(dir.resolve("empty.txt"), new byte[0]);
        byte[] random = new byte[16 * 1024];
        new Random(42).nextBytes(random);
        Files.write(dir.resolve("random-bytes.pdf"), random);
        byte[] noise = new byte[3000];
        new Random(7).nextBytes(noise);
        Files.write(dir.resolve("random-bytes.txt"), noise);
        Files.writeString(dir.resolve("heading-only.md"), "# Ostrich relocation checklist\n");
        byte[] docx = docx("Quarterly planning", "The walrus budget was approved for the northern office.");
        Files.write(dir.resolve("truncated.docx"), Arrays.copyOf(docx, docx.length / 2));
        Files.write(dir.resolve("protected.pdf"), encryptedPdf());
        try (OutputStream out = Files.newOutputStream(dir.resolve("huge.txt"))) {
            byte[] line = "This line repeats to make a fifty megabyte text file about nothing at all.\n".getBytes(StandardCharsets.UTF_8);
            for (long written = 0; written < 50L * 1024 * 1024; written += line.length) out.write(line);
        }
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        bad.write("Invalid bytes follow: ".getBytes(StandardCharsets.UTF_8));
        bad.write(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0x80});
        bad.write(" yet the sentence about the zebra crossing policy must survive.\n".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("invalid-utf8.txt"), bad.toByteArray());
        String html = "<html><head><meta charset=\"utf-16le\"><title>Harbour pilot rules</title></head><body>"
                + "<h1>Harbour pilot rules</h1><p>Every tanker entering the harbour must take a licensed pilot aboard.</p></body></html>";
        Files.write(dir.resolve("utf16le.html"), html.getBytes(StandardCharsets.UTF_16LE));
        Files.writeString(dir.resolve("cjk.txt"), "员工每年享有十五天带薪年假。年假申请须提前两周提交给直属经理审批。未使用的年假可以结转到下一年度，但最多五天。");
        String shared = "# Expense policy\n\nTaxi receipts over fifty euros need a manager's signature.\n";
        Files.writeString(dir.resolve("expenses.md"), shared);
        Files.createDirectories(dir.resolve("copies"));
        Files.writeString(dir.resolve("copies/expenses-copy.md"), shared);
        Files.writeString(dir.resolve("good.html"), "<html><head><title>Parking</title></head><body><nav>Home | Up | Next</nav>"
                + "<h1>Parking</h1><h2>Bicycles</h2><p>Bicycles go in the basement rack next to the lifts.</p></body></html>");
        // entries that are not files of the folder: skipped with a reason, never read (the outside file stays unread)
        Path outside = Files.createTempFile("lore-outside", ".txt");
        Files.writeString(outside, "The quokka vault combination lives outside the source folder.");
        Files.createSymbolicLink(dir.resolve("outside-link.txt"), outside);
        Files.createSymbolicLink(dir.resolve("dangling-link.txt"), dir.resolve("no-such-file.txt"));
        Files.createSymbolicLink(dir.resolve("folder-link"), dir.resolve("copies"));
        Files.createSymbolicLink(dir.resolve("inside-link.html"), dir.resolve("good.html"));
        assertEquals(0, new ProcessBuilder("mkfifo", dir.resolve("pipe.txt").toString()).start().waitFor(), "mkfifo");

        sourceId = Api.createFilesystemSource("bad-input", dir);
        JsonPath run = Api.syncAndWait(sourceId);
        Api.assertStatus(run, "succeeded");
        runId = run.getString("id");
        status = Api.runDocuments(sourceId, runId);
        reasons = Api.runReasons(sourceId, runId);
        System.out.println("bad input outcomes: " + status + "\nreasons: " + reasons);
    }

    @Test
    void everyFileEndsWithAStatusAndTheRunCountsThem() {
        assertEquals(Set.of("empty.txt", "random-bytes.pdf", "random-bytes.txt", "heading-only.md", "truncated.docx", "protected.pdf", "huge.txt", "invalid-utf8.txt",
                "utf16le.html", "cjk.txt", "expenses.md", "copies/expenses-copy.md", "good.html", "outside-link.txt",
                "dangling-link.txt", "folder-link", "inside-link.html", "pipe.txt"), status.keySet());
        JsonPath run = io.restassured.RestAssured.given().get("/api/v1/sources/" + sourceId + "/runs/" + runId).then().extract().jsonPath();
        assertEquals(18, run.getInt("done"));
        assertEquals(18, run.getInt("total"));
        assertEquals(status.values().stream().filter("failed"::equals).count(), run.getInt("counts.failed"));
        assertEquals(status.values().stream().filter("skipped"::equals).count(), run.getInt("counts.skipped"));
        String documents = "/api/v1/sources/" + sourceId + "/runs/" + runId + "/documents";
        List<String> failed = io.restassured.RestAssured.given().get(documents + "?status=failed").then().statusCode(200)
                .extract().jsonPath().getList("documentKey");
        assertEquals(status.entrySet().stream().filter(e -> e.getValue().equals("failed")).map(Map.Entry::getKey).sorted().toList(), failed);
        // pages: by key, offset after offset
        List<String> all = io.restassured.RestAssured.given().get(documents).then().statusCode(200).extract().jsonPath().getList("documentKey");
        assertEquals(status.keySet(), Set.copyOf(all));
        List<String> second = io.restassured.RestAssured.given().get(documents + "?limit=5&offset=5").then().statusCode(200)
                .extract().jsonPath().getList("documentKey");
        assertEquals(all.subList(5, 10), second);
        io.restassured.RestAssured.given().get(documents + "?status=Skipped").then().statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("skipped"));
    }

    @Test
    void brokenFilesFailOrSkipWithReasons() {
        assertEquals("skipped", status.get("empty.txt"));
        assertTrue(reasons.get("empty.txt").contains("empty"), reasons.get("empty.txt"));
        assertEquals("failed", status.get("random-bytes.pdf"));
        assertEquals("failed", status.get("truncated.docx"));
        assertEquals("failed", status.get("protected.pdf"));
        assertTrue(reasons.get("protected.pdf").contains("password"), reasons.get("protected.pdf"));
        // random bytes under a text name: binary, not indexed as text in some guessed charset
        assertEquals("skipped", status.get("random-bytes.txt"), reasons.get("random-bytes.txt"));
        assertTrue(reasons.get("random-bytes.txt").startsWith("not text: "), reasons.get("random-bytes.txt"));
        assertEquals("skipped", status.get("huge.txt"));
        assertTrue(reasons.get("huge.txt").contains("limit"), reasons.get("huge.txt"));
        for (String key : List.of("random-bytes.pdf", "truncated.docx")) {
            assertNotNull(reasons.get(key), key);
            assertFalse(reasons.get(key).isBlank(), key);
        }
    }

    @Test
    void linksOutOfTheFolderAndPipesAreSkippedWithReasons() {
        Map<String, String> expected = Map.of("outside-link.txt", "outside the source's folder", "dangling-link.txt", "does not exist",
                "folder-link", "link to a folder", "pipe.txt", "not a regular file");
        expected.forEach((key, why) -> {
            assertEquals("skipped", status.get(key), key + ": " + reasons.get(key));
            assertTrue(reasons.get(key).contains(why), key + ": " + reasons.get(key));
        });
        assertEquals("indexed", status.get("inside-link.html"), reasons.get("inside-link.html"));
        assertTrue(Api.search("quokka vault combination", 5, sourceId).stream().noneMatch(h -> String.valueOf(h.get("text")).contains("quokka")),
                "a link must not carry a file from outside the folder into the index");
    }

    @Test
    void aNoteOfOnlyAHeadingIsIndexed() {
        assertEquals("indexed", status.get("heading-only.md"), reasons.get("heading-only.md"));
        assertTopHit("ostrich relocation checklist", "heading-only.md");
    }

    @Test
    void aFileThatCanNoLongerBeIndexedTakesItsOldVersionOutOfTheIndex() throws Exception {
        Path folder = Files.createTempDirectory("lore-emptied");
        Files.writeString(folder.resolve("vpn.md"), "# VPN\n\nInstall the pelican tunnel client before travelling.\n");
        Files.writeString(folder.resolve("memo.txt"), "The flamingo budget review moved to Thursday.\n");
        String id = Api.createFilesystemSource("emptied", folder);
        Api.assertStatus(Api.syncAndWait(id), "succeeded");
        assertTrue(texts(Api.search("pelican tunnel client", 5, id)).contains("pelican"));
        assertTrue(texts(Api.search("flamingo budget review", 5, id)).contains("flamingo"));
        // emptied, and overwritten with binary data: each is skipped, and the version indexed before is gone
        Files.write(folder.resolve("vpn.md"), new byte[0]);
        byte[] noise = new byte[4000];
        new Random(11).nextBytes(noise);
        Files.write(folder.resolve("memo.txt"), noise);
        JsonPath run = Api.syncAndWait(id);
        Api.assertStatus(run, "succeeded");
        Map<String, String> outcome = Api.runDocuments(id, run.getString("id"));
        Map<String, String> why = Api.runReasons(id, run.getString("id"));
        assertEquals(Map.of("vpn.md", "skipped", "memo.txt", "skipped"), outcome);
        for (String key : List.of("vpn.md", "memo.txt")) assertTrue(why.get(key).endsWith("the version indexed earlier was removed"), why.get(key));
        assertEquals(List.of(), Api.search("pelican tunnel client", 5, id));
        io.restassured.RestAssured.given().get("/api/v1/documents?sourceId=" + id).then().statusCode(200)
                .body("$", org.hamcrest.Matchers.empty());
        // a skipped file that was never indexed says nothing about removal
        assertTrue(reasons.get("empty.txt").equals("empty file (0 bytes)"), reasons.get("empty.txt"));
    }

    private static String texts(List<Map<String, Object>> hits) {
        return hits.stream().map(h -> String.valueOf(h.get("text"))).collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void aFileReplacedByALinkOutOfTheFolderLeavesTheIndex() throws Exception {
        Path folder = Files.createTempDirectory("lore-link-swap");
        Files.writeString(folder.resolve("note.md"), "# Note\n\nThe narwhal parade starts at noon on Fridays.\n");
        String id = Api.createFilesystemSource("link-swap", folder);
        Api.assertStatus(Api.syncAndWait(id), "succeeded");
        assertEquals(1, Api.search("narwhal parade", 5, id).size());
        Files.delete(folder.resolve("note.md"));
        Path outside = Files.createTempFile("lore-outside-note", ".md");
        Files.writeString(outside, "# Note\n\nThe narwhal parade moved to Mondays.\n");
        Files.createSymbolicLink(folder.resolve("note.md"), outside);
        JsonPath run = Api.syncAndWait(id);
        Api.assertStatus(run, "succeeded");
        assertEquals("deleted", Api.runDocuments(id, run.getString("id")).get("note.md"));
        assertTrue(Api.runReasons(id, run.getString("id")).get("note.md").contains("outside the source's folder"));
        assertEquals(1, run.getInt("counts.deleted"), run.prettify());
        assertEquals(List.of(), Api.search("narwhal parade", 5, id), "the old copy is gone and the outside file was not read");
    }

    @Test
    void goodFilesAreIndexedAndSearchable() {
        for (String key : List.of("invalid-utf8.txt", "utf16le.html", "cjk.txt", "expenses.md", "copies/expenses-copy.md", "good.html")) {
            assertEquals("indexed", status.get(key), key + ": " + reasons.get(key));
        }
        assertTopHit("zebra crossing policy", "invalid-utf8.txt");
        assertTopHit("must a tanker take a pilot in the harbour", "utf16le.html");
        assertTopHit("where do I leave my bike", "good.html");
        assertTopHit("年假可以结转吗", "cjk.txt");
    }

    /**
     * Chinese has no spaces between words: full-text search alone must still find the paragraph by the question's
     * words ("can annual leave be carried over?"), which it cannot when a run of characters is one lexeme.
     */
    @Test
    void chineseIsFoundByFullTextSearchToo() {
        List<Map<String, Object>> hits = given().contentType(ContentType.JSON)
                .body(Map.of("query", "年假可以结转吗", "limit", 3, "mode", "fulltext", "filters", Map.of("sourceIds", List.of(sourceId))))
                .post("/api/v1/search").then().statusCode(200).extract().jsonPath().getList("results");
        assertFalse(hits.isEmpty(), "no full-text match for a Chinese question");
        assertEquals("cjk.txt", hits.getFirst().get("documentKey"), () -> hits.toString());
        // an English question does not match the Chinese paragraph's character pairs
        List<Map<String, Object>> english = given().contentType(ContentType.JSON)
                .body(Map.of("query", "zebra crossing policy", "limit", 10, "mode", "fulltext", "filters", Map.of("sourceIds", List.of(sourceId))))
                .post("/api/v1/search").then().statusCode(200).extract().jsonPath().getList("results");
        assertFalse(english.stream().anyMatch(h -> "cjk.txt".equals(h.get("documentKey"))), () -> english.toString());
    }

    @Test
    void utf16HtmlKeepsItsTitleAndNavigationIsDropped() {
        Map<String, Object> hit = Api.search("tanker pilot", 1, sourceId).getFirst();
        assertEquals("Harbour pilot rules", hit.get("title"));
        Map<String, Object> parking = Api.search("bicycles basement rack", 1, sourceId).getFirst();
        assertEquals("Parking", parking.get("title"));
        assertEquals("Parking > Bicycles", parking.get("headingPath"));
        assertFalse(((String) parking.get("text")).contains("Home | Up"), (String) parking.get("text"));
    }

    @Test
    void theSameFileTwiceIsTwoFindableDocuments() {
        List<Map<String, Object>> hits = Api.search("taxi receipts manager signature", 5, sourceId);
        Set<Object> keys = new java.util.HashSet<>();
        for (Map<String, Object> h : hits.subList(0, 2)) keys.add(h.get("documentKey"));
        assertEquals(Set.of("expenses.md", "copies/expenses-copy.md"), keys);
        for (Map<String, Object> h : hits.subList(0, 2)) {
            assertTrue(((String) h.get("uri")).endsWith((String) h.get("documentKey")), (String) h.get("uri"));
        }
    }

    private void assertTopHit(String query, String key) {
        List<Map<String, Object>> hits = Api.search(query, 3, sourceId);
        assertFalse(hits.isEmpty(), query);
        assertEquals(key, hits.getFirst().get("documentKey"), () -> query + " → " + hits);
    }

    static byte[] docx(String heading, String text) throws IOException {
        try (XWPFDocument d = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            d.createParagraph().createRun().setText(heading);
            for (int i = 0; i < 40; i++) d.createParagraph().createRun().setText(text + " Paragraph " + i + ".");
            d.write(out);
            return out.toByteArray();
        }
    }

    static byte[] encryptedPdf() throws IOException {
        try (PDDocument d = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDPage page = new PDPage();
            d.addPage(page);
            try (PDPageContentStream cs = new PDPageContentStream(d, page)) {
                cs.beginText();
                cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                cs.newLineAtOffset(50, 700);
                cs.showText("The vault combination is written here.");
                cs.endText();
            }
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-secret", "user-secret", new AccessPermission());
            policy.setEncryptionKeyLength(128);
            d.protect(policy);
            d.save(out);
            return out.toByteArray();
        }
    }
}
