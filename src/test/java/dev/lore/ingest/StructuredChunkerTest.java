package dev.lore.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Structure-keeping chunking on parsed HTML and Markdown (inside Quarkus: the tokenizer's native library loads once). */
@QuarkusTest
class StructuredChunkerTest {

    @Inject DocumentParser parser;
    @Inject StructuredChunker chunker;

    @Test
    void htmlHeadingsBecomeHeadingPathsAndNavigationIsDropped() throws Exception {
        String html = """
                <html><head><title>Backup and Restore</title></head><body>
                <div class="navheader"><a href="a.html">Prev</a> <a href="b.html">Up</a> Home Next</div>
                <h1>Backup and Restore</h1><p>Intro paragraph about keeping data safe.</p>
                <h2>SQL Dump</h2><p>pg_dump writes a script that recreates the database.</p>
                <h3>Restoring the Dump</h3><p>Feed the script to psql to restore it.</p>
                <h2>File System Level Backup</h2><p>Copy the data directory while the server is stopped.</p>
                </body></html>""";
        ParsedDocument doc = parser.parse(html.getBytes(StandardCharsets.UTF_8), "backup.html");
        assertEquals("Backup and Restore", doc.title());
        assertEquals("en", doc.language());
        assertEquals(List.of("Backup and Restore", "SQL Dump", "Restoring the Dump"), doc.sections().get(2).headingPath());
        for (ParsedDocument.Section s : doc.sections()) assertFalse(s.text().contains("Prev"), s.text());
        List<Chunk> chunks = chunker.chunk(doc);
        assertFalse(chunks.isEmpty());
        // small sibling sections are packed, keeping their inner headings inline
        assertTrue(chunks.getFirst().text().contains("SQL Dump"), chunks.getFirst().text());
        assertTrue(chunks.getFirst().embeddingText().startsWith("Backup and Restore"), chunks.getFirst().embeddingText());
    }

    @Test
    void longSectionsAreSplitWithinTheTokenLimitAndKeepTheirPath() throws Exception {
        StringBuilder md = new StringBuilder("# Handbook\n\n## Travel\n\n### Trains\n\n");
        for (int i = 0; i < 300; i++) md.append("Sentence number ").append(i).append(" explains the train booking rules in detail. ");
        md.append("\n\n## Leave\n\nAnnual leave is 25 days.\n");
        ParsedDocument doc = parser.parse(md.toString().getBytes(StandardCharsets.UTF_8), "handbook.md");
        List<Chunk> chunks = chunker.chunk(doc);
        List<Chunk> trains = chunks.stream().filter(c -> c.headingPathString().equals("Handbook > Travel > Trains")).toList();
        assertTrue(trains.size() >= 5, "a 300-sentence section needs several chunks, got " + trains.size());
        for (Chunk c : chunks) {
            assertTrue(c.tokens() <= chunker.maxTokens(), c.tokens() + " tokens in chunk " + c.position());
            assertEquals(chunker.count(c.embeddingText()), c.tokens());
        }
        for (int i = 0; i < chunks.size(); i++) assertEquals(i, chunks.get(i).position());
        // overlap: consecutive pieces of one section share text
        String end = trains.get(0).text().substring(trains.get(0).text().length() - 40);
        assertTrue(trains.get(1).text().contains(end.substring(end.indexOf(' ') + 1)), "no overlap between pieces");
        assertEquals("Handbook > Leave", chunks.getLast().headingPathString());
        assertTrue(chunks.getLast().text().contains("25 days"));
    }

    /**
     * The word-by-word token counter gives the tokenizer's own count on awkward text, and chunking with it gives
     * exactly the chunks that counting whole texts gives (on 150 pages of the PostgreSQL manual when installed,
     * else on generated documents).
     */
    @Test
    void countingWordByWordChangesNoCountAndNoChunk() throws Exception {
        var model = new dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator();
        WordTokenCounter words = new WordTokenCounter(model);
        List<String> samples = List.of("", " ", "one", "Hello, world!", "a\tb\r\nc  d", "naïve café résumé",
                "数据库的备份和恢复 backup", "emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "non\u00a0breaking\u2003spaces", "ctrl\u0000\u0007chars",
                "x".repeat(250) + " tail", "pg_dump --format=custom -f db.dump", "SELECT * FROM t WHERE a <> 'b';",
                "ALL CAPS and MiXeD ЁЛКА Ελληνικά", "\n\n\n", "trailing space ");
        for (String t : samples) assertEquals(model.estimateTokenCountInText(t), words.estimateTokenCountInText(t), "count of <" + t + ">");

        java.nio.file.Path manual = java.nio.file.Path.of("/usr/share/doc/postgresql-doc-15/html");
        List<ParsedDocument> docs = new java.util.ArrayList<>();
        if (java.nio.file.Files.isDirectory(manual)) {
            try (var files = java.nio.file.Files.list(manual)) {
                for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".html")).sorted().limit(150).toList()) {
                    try {
                        docs.add(parser.parse(java.nio.file.Files.readAllBytes(f), f.getFileName().toString()));
                    } catch (IngestException e) {
                        // a table-of-contents page: nothing to chunk
                    }
                }
            }
        } else {
            java.util.Random random = new java.util.Random(7);
            String[] vocabulary = "the server writes each change to the write-ahead log before it reaches the table files; a crash replays it. (see pg_wal) — 日本語 also".split(" ");
            for (int d = 0; d < 20; d++) {
                StringBuilder md = new StringBuilder("# Document " + d + "\n\n");
                for (int s = 0; s < 6; s++) {
                    md.append("## Section ").append(s).append("\n\n");
                    int n = random.nextInt(1500);
                    for (int w = 0; w < n; w++) md.append(vocabulary[random.nextInt(vocabulary.length)]).append(w % 17 == 16 ? ".\n\n" : " ");
                    md.append("\n\n");
                }
                docs.add(parser.parse(md.toString().getBytes(StandardCharsets.UTF_8), "d" + d + ".md"));
            }
        }
        StructuredChunker whole = new StructuredChunker(chunker.maxTokens(), chunker.overlapTokens(), model);
        StructuredChunker byWord = new StructuredChunker(chunker.maxTokens(), chunker.overlapTokens(), words);
        int chunks = 0;
        for (ParsedDocument doc : docs) {
            List<Chunk> expected = whole.chunk(doc);
            assertEquals(expected, byWord.chunk(doc), doc.title());
            chunks += expected.size();
        }
        assertTrue(chunks > docs.size(), "the documents must be long enough to split: " + chunks + " chunks");
    }

    /**
     * Text without spaces (a base64 line, Chinese paragraphs, a Thai run the English vocabulary reads as one
     * {@code [UNK]}) is chunked without losing a character: every non-space character of the input is in some chunk,
     * in order, and every chunk keeps the token limit and the character cap. Before: the base64 line kept 744 of its
     * 6,052 characters and the Chinese paragraphs vanished next to an English one (dropped as "stray words").
     */
    @Test
    void textWithoutSpacesIsChunkedWithoutLosingACharacter() throws Exception {
        java.util.Random random = new java.util.Random(3);
        String base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder blob = new StringBuilder();
        for (int i = 0; i < 6000; i++) blob.append(base64.charAt(random.nextInt(64)));
        String han = "数据库的备份和恢复是管理员最重要的工作之一我们需要定期检查日志文件";
        StringBuilder chinese = new StringBuilder();
        for (int i = 0; i < 3000; i++) chinese.append(han.charAt(random.nextInt(han.length()))).append(i % 45 == 44 ? "。" : "");
        StringBuilder unpunctuated = new StringBuilder();
        for (int i = 0; i < 2500; i++) unpunctuated.append(han.charAt(random.nextInt(han.length())));
        String thaiLetters = "ฐานข้อมูลสำรองและกู้คืนเป็นงานสำคัญของผู้ดูแลระบบ";
        StringBuilder thai = new StringBuilder();
        for (int i = 0; i < 20_000; i++) thai.append(thaiLetters.charAt(random.nextInt(thaiLetters.length())));

        for (String text : List.of(
                "The attachment follows.\n\n" + blob + "\n\nThat was the whole attachment, thank you.",
                "Backups are explained in English first, in a normal paragraph of several words.\n\n" + chinese + "\n\n" + unpunctuated,
                thai.toString())) {
            ParsedDocument doc = new ParsedDocument("Doc", "text/plain", null, List.of(new ParsedDocument.Section(List.of(), text)));
            List<Chunk> chunks = chunker.chunk(doc);
            String all = text.replaceAll("\\s", "");
            boolean[] covered = new boolean[all.length()];
            int from = 0;
            for (Chunk c : chunks) {
                assertTrue(c.tokens() <= chunker.maxTokens(), c.tokens() + " tokens");
                assertTrue(c.text().length() <= chunker.maxTokens() * 12, c.text().length() + " characters in one chunk");
                String piece = c.text().replaceAll("\\s", "");
                int at = all.indexOf(piece, Math.max(0, from - piece.length()));
                assertTrue(at >= 0, "chunk " + c.position() + " is not a piece of the input, in order");
                java.util.Arrays.fill(covered, at, at + piece.length(), true);
                from = at + piece.length();
            }
            int kept = 0;
            for (boolean b : covered) if (b) kept++;
            assertEquals(all.length(), kept, "characters kept of " + text.substring(0, 20));
        }
    }

    /**
     * A 61,000-character line without spaces is chunked with the tokenizer reading at most 40 times its length (before:
     * langchain4j's character splitter re-counted the growing window per character, about 37 s for this line).
     * Counted, not timed: the count does not depend on the machine.
     */
    @Test
    void aLongLineWithoutSpacesIsTokenizedAFewTimesNotOncePerCharacter() {
        var model = new dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator();
        java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        dev.langchain4j.model.TokenCountEstimator counting = new dev.langchain4j.model.TokenCountEstimator() {
            @Override public int estimateTokenCountInText(String text) {
                read.addAndGet(text.length());
                return model.estimateTokenCountInText(text);
            }
            @Override public int estimateTokenCountInMessage(dev.langchain4j.data.message.ChatMessage m) { return model.estimateTokenCountInMessage(m); }
            @Override public int estimateTokenCountInMessages(Iterable<dev.langchain4j.data.message.ChatMessage> m) { return model.estimateTokenCountInMessages(m); }
        };
        StructuredChunker counted = new StructuredChunker(chunker.maxTokens(), chunker.overlapTokens(), new WordTokenCounter(counting));
        java.util.Random random = new java.util.Random(5);
        String base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 61_000; i++) line.append(base64.charAt(random.nextInt(64)));
        read.set(0);
        List<Chunk> chunks = counted.chunk(new ParsedDocument("Blob", "text/plain", null, List.of(new ParsedDocument.Section(List.of(), line.toString()))));
        assertTrue(chunks.size() > 20, chunks.size() + " chunks");
        assertTrue(read.get() < 40L * line.length(), "the tokenizer read " + read.get() + " characters for a " + line.length() + "-character line");
    }
}
