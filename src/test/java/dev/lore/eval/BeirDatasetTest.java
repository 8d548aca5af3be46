package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BEIR reader on a tiny folder written here, on malformed input, and on the real SciFact folder. */
class BeirDatasetTest {

    @TempDir Path dir;

    private void write(String corpus, String queries, String qrels) throws IOException {
        Files.writeString(dir.resolve("corpus.jsonl"), corpus);
        Files.writeString(dir.resolve("queries.jsonl"), queries);
        Files.createDirectories(dir.resolve("qrels"));
        Files.writeString(dir.resolve("qrels/test.tsv"), qrels);
    }

    private static final String CORPUS = """
            {"_id": "d1", "title": "Cats", "text": "Cats purr."}
            {"_id": "d/2 é", "title": null, "text": "Dogs bark.", "metadata": {}}

            {"_id": 3, "text": "Birds sing."}
            """;
    private static final String QUERIES = """
            {"_id": "q1", "text": "Why do cats purr?"}
            {"_id": "q2", "text": "Do dogs bark?"}
            {"_id": "q3", "text": "Unjudged query"}
            """;

    @Test
    void readsCorpusQueriesAndJudgmentsKeepingOnlyJudgedQueries() throws IOException {
        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td/2 é\t2\nq2\t3\t0\n");
        Files.writeString(dir.resolve("qrels/dev.tsv"), "query-id\tcorpus-id\tscore\n");
        BeirDataset ds = BeirDataset.read(dir, "test");
        assertEquals(dir.getFileName().toString(), ds.name());
        assertEquals(List.of("d1", "d/2 é", "3"), List.copyOf(ds.corpus().keySet()));
        assertEquals(new BeirDataset.Doc("d1", "Cats", "Cats purr."), ds.corpus().get("d1"));
        assertEquals(new BeirDataset.Doc("d/2 é", "", "Dogs bark."), ds.corpus().get("d/2 é"));
        assertEquals(Map.of("q1", "Why do cats purr?", "q2", "Do dogs bark?"), ds.queries());
        assertEquals(Map.of("d/2 é", 2, "3", 0), ds.qrels().get("q2"));
        assertEquals(Set.of("d/2 é"), ds.relevant("q2"));
        assertEquals(List.of("dev", "test"), BeirDataset.splits(dir));
    }

    @Test
    void badInputNamesFileAndLine() throws IOException {
        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\n");
        var e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("test.tsv:2") && e.getMessage().contains("3 tab-separated"), e.getMessage());

        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\tnope\t1\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("test.tsv:2") && e.getMessage().contains("unknown corpus id 'nope'"), e.getMessage());

        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\thigh\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("test.tsv:2") && e.getMessage().contains("not an integer"), e.getMessage());

        write(CORPUS + "{\"_id\": \"d9\", \"text\": \n", QUERIES, "query-id\tcorpus-id\tscore\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("corpus.jsonl:5") && e.getMessage().contains("invalid JSON"), e.getMessage());

        write(CORPUS, QUERIES + "{\"text\": \"no id\"}\n", "query-id\tcorpus-id\tscore\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("queries.jsonl:4") && e.getMessage().contains("missing _id"), e.getMessage());

        write(CORPUS + "{\"_id\": \"d1\", \"text\": \"again\"}\n", QUERIES, "query-id\tcorpus-id\tscore\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirDataset.read(dir, "test"));
        assertTrue(e.getMessage().contains("corpus.jsonl:5") && e.getMessage().contains("duplicate _id 'd1'"), e.getMessage());

        var missing = assertThrows(NoSuchFileException.class, () -> BeirDataset.read(dir, "train"));
        assertTrue(missing.getMessage().contains("train.tsv") && missing.getMessage().contains("[test]"), missing.getMessage());
    }

    @Test
    void realSciFactTrainSplit() throws IOException {
        Path scifact = SharedData.require("beir-scifact");
        assertEquals(List.of("train"), BeirDataset.splits(scifact));
        BeirDataset ds = BeirDataset.read(scifact, "train");
        assertEquals(5183, ds.corpus().size());
        assertEquals(809, ds.queries().size());
        assertEquals(809, ds.qrels().size());
        assertEquals(919, ds.qrels().values().stream().mapToInt(Map::size).sum());
        assertTrue(ds.qrels().values().stream().allMatch(m -> m.values().stream().allMatch(s -> s == 1)));
        assertEquals("0-dimensional biomaterials lack inductive properties.", ds.queries().get("0"));
        assertTrue(!ds.queries().containsKey("1"), "query 1 has no train judgment");
        assertEquals(Map.of("31715818", 1), ds.qrels().get("0"));
        assertTrue(ds.corpus().get("4983").title().startsWith("Microstructural development of human newborn"));
    }
}
