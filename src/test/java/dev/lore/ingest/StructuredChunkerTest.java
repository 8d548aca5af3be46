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
}
