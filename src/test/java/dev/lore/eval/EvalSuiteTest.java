package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading suites: JSONL with a header, the three case types, errors that name the line, BEIR and tau2 folders. */
class EvalSuiteTest {

    @Test
    void jsonlWithHeaderAndTheThreeCaseTypes() {
        EvalSuite s = EvalSuite.parse("file", """
                {"suite": "mixed", "description": "d", "source": "docs", "passAt": 3}
                // a comment line

                {"id": "r1", "query": "q", "relevant": ["a.html", "b.html"]}
                {"id": "r2", "type": "retrieval", "query": "q2", "relevant": {"a.html": 2, "c.html": 1}}
                {"id": "a1", "question": "why?", "facts": ["x|y"], "cite": "a.html"}
                {"id": "g1", "messages": ["hi"], "agent": "support", "expectedCalls": [{"name": "lookup", "arguments": {"id": 1}}], "ordered": true}
                """, null);
        assertEquals("mixed", s.name());
        assertEquals("docs", s.source());
        assertEquals(3, s.passAt());
        assertEquals(List.of("retrieval", "retrieval", "answer", "agent"), s.cases().stream().map(EvalCase::type).toList());
        assertEquals(Map.of("a.html", 2, "c.html", 1), ((EvalCase.Retrieval) s.cases().get(1)).relevant());
        assertEquals(List.of("a.html"), ((EvalCase.Answer) s.cases().get(2)).cite());
        EvalCase.Agent g = (EvalCase.Agent) s.cases().get(3);
        assertTrue(g.ordered());
        assertEquals("lookup", g.expectedCalls().get(0).name());
    }

    @Test
    void badLinesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}\n{oops", null))
                .getMessage().contains("line 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"id\":\"a\",\"query\":\"q\"}", null))
                .getMessage().contains("'relevant'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"id\":\"a\",\"messages\":[\"hi\"]}", null))
                .getMessage().contains("expectedCalls"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EvalSuite.parse("s", "{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}\n{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}", null))
                .getMessage().contains("twice"));
        assertThrows(IllegalArgumentException.class, () -> EvalSuite.builtIn("../etc/passwd"));
        // suite names end up in file names (baselines, cassettes, corpus folders): no separators, no ".."
        for (String bad : List.of("../../x", "a/b", "a..b", "Upper", ".hidden", "")) {
            assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"suite\":\"" + bad + "\"}\n{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}", null), bad);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"id\":\"a\",\"query\":\"q\",\"relevant\":{\"x\":0}}", null))
                .getMessage().contains("≥ 1"));
        assertThrows(IllegalArgumentException.class, () -> EvalSuite.parse("s", "{\"suite\":\"s\",\"passAt\":0}\n{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}", null));
        // a case line that happens to carry a "suite" field is still a case; a numeric id is an id
        EvalSuite two = EvalSuite.parse("s", "{\"id\":\"a\",\"suite\":\"oops\",\"query\":\"q\",\"relevant\":[\"x\"]}\n{\"id\":5,\"query\":\"q\",\"relevant\":[\"x\"]}", null);
        assertEquals("s", two.name());
        assertEquals(List.of("a", "5"), two.cases().stream().map(EvalCase::id).toList());
        assertEquals("my-suite.v2", EvalSuite.nameOf("My Suite..v2."));
        assertThrows(IllegalArgumentException.class, () -> EvalSuite.builtIn("no-such-suite"));
    }

    @Test
    void builtInSuitesLoad() {
        assertEquals(78, EvalSuite.builtIn("pg-manual").cases().size());
        assertEquals(10, EvalSuite.builtIn("pg-manual-answers").cases().size());
    }

    @Test
    void aBeirFolderIsARetrievalSuiteForAnySplit() throws Exception {
        Path dir = Files.createTempDirectory("beir");
        Files.writeString(dir.resolve("corpus.jsonl"), "{\"_id\":\"d1\",\"title\":\"T\",\"text\":\"x\"}\n{\"_id\":\"d2\",\"title\":\"U\",\"text\":\"y\"}\n");
        Files.writeString(dir.resolve("queries.jsonl"), "{\"_id\":\"q1\",\"text\":\"what\"}\n{\"_id\":\"q2\",\"text\":\"who\"}\n");
        Files.createDirectories(dir.resolve("qrels"));
        Files.writeString(dir.resolve("qrels/dev-small.tsv"), "query-id\tcorpus-id\tscore\nq1\td2\t2\nq2\td1\t0\n");
        EvalSuite s = EvalSuite.load(dir, null);
        assertEquals(dir.getFileName() + "-dev-small", s.name());
        assertEquals(1, s.cases().size(), "q2 has only a zero judgment");
        assertEquals(Map.of("d2", 2), ((EvalCase.Retrieval) s.cases().get(0)).relevant());
        assertEquals(2, s.corpus().size());
    }

    @Test
    void scifactTrainSplitAndTau2RetailLoad() throws Exception {
        Path scifact = SharedData.require("beir-scifact");
        EvalSuite s = EvalSuite.load(scifact, "train");
        assertEquals(5183, s.corpus().size());
        assertTrue(s.cases().size() > 800, "train queries with judgments: " + s.cases().size());
        Path retail = SharedData.require("tau2-retail");
        EvalSuite r = EvalSuite.load(retail, null);
        assertEquals("tau2-retail", r.name());
        assertEquals(74, r.cases().size());
        EvalCase.Agent a = (EvalCase.Agent) r.cases().get(0);
        assertTrue(a.messages().get(0).length() > 20, a.messages().get(0));
        assertEquals("retail", a.endState().path("domain").asText());
    }
}
