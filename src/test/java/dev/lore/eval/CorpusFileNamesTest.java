package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** File names of corpus documents: safe on disk, never hidden, and decoding back to the id. */
class CorpusFileNamesTest {

    @Test
    void anyIdRoundTripsThroughItsFileName() {
        for (String id : List.of("4983", "doc_bank_accounts_(general)_001", ".hidden", "..", "a/b\\c", "q?x=1&y=2%3",
                "naïve 中文 ✓", "tab\there\nnewline", "+plus+", "~tilde", "MiXeD-case_1")) {
            String name = CorpusSources.fileName(id);
            assertTrue(name.endsWith(".md") && !name.startsWith(".") && !name.contains("/"), name);
            assertTrue(name.matches("[A-Za-z0-9_%-]+\\.md"), name);
            assertEquals(id, CorpusSources.decode(name.substring(0, name.length() - 3)), name);
        }
    }

    @Test
    void longIdsGetAHashedNameWithinTheLimit() {
        String longId = "x".repeat(197);
        assertEquals(longId + ".md", CorpusSources.fileName(longId));
        String tooLong = "x".repeat(198);
        String name = CorpusSources.fileName(tooLong);
        assertTrue(name.startsWith("~") && name.getBytes(StandardCharsets.UTF_8).length <= 200, name);
        String cjk = "中".repeat(30); // 90 bytes, 270 encoded
        assertTrue(CorpusSources.fileName(cjk).startsWith("~"));
    }

    @Test
    void foreignNamesDoNotDecode() {
        assertNull(CorpusSources.decode("has space"));
        assertNull(CorpusSources.decode("bad%zz"));
        assertNull(CorpusSources.decode("cut%4"));
        assertNull(CorpusSources.decode(""));
    }
}
