package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Answer metrics against values computed by hand. */
class AnswerMetricsTest {

    private static final String ANSWER = "Nightly backups are kept for 35 days; the job starts at 02:00 UTC and "
            + "takes about 42 ms per table.";

    @Test
    void factRecallIsTheShareOfFactsPresent() {
        // "35 days" yes, "02:00 utc" yes, "weekly" no: 2 of 3 facts → 0.6667
        List<String> facts = List.of("35 days", "02:00 UTC", "weekly");
        assertEquals(2.0 / 3, AnswerMetrics.factRecall(ANSWER, facts), 1e-12);
        assertEquals(List.of("weekly"), AnswerMetrics.missingFacts(ANSWER, facts));
    }

    @Test
    void noFactsMeansFullRecall() {
        assertEquals(1.0, AnswerMetrics.factRecall(ANSWER, List.of()));
        assertEquals(1.0, AnswerMetrics.factRecall("", List.of()));
        assertEquals(List.of(), AnswerMetrics.missingFacts(ANSWER, List.of()));
    }

    @Test
    void emptyOrNullAnswerHasNoFacts() {
        // 0 of 2 facts → 0.0
        assertEquals(0.0, AnswerMetrics.factRecall("", List.of("35 days", "UTC")));
        assertEquals(0.0, AnswerMetrics.factRecall(null, List.of("35 days")));
    }

    @Test
    void alternativesAreSeparatedByBars() {
        // "42ms|42 ms": the second alternative is in the answer; "2 am|02:00 am": neither → 1 of 2 → 0.5
        List<String> facts = List.of("42ms|42 ms", "2 am|02:00 am");
        assertEquals(0.5, AnswerMetrics.factRecall(ANSWER, facts));
        assertEquals(List.of("2 am|02:00 am"), AnswerMetrics.missingFacts(ANSWER, facts));
        // blank alternatives are skipped
        assertEquals(1.0, AnswerMetrics.factRecall(ANSWER, List.of("|35 days|")));
    }

    @Test
    void duplicateFactsCountAsListed() {
        // "35 days" twice (present), "weekly" once (absent): 2 of 3 → 0.6667
        assertEquals(2.0 / 3, AnswerMetrics.factRecall(ANSWER, List.of("35 days", "35 days", "weekly")), 1e-12);
    }

    @Test
    void caseAccentsWhitespaceAndEdgePunctuationAreIgnored() {
        String answer = "Le  CAFÉ   ouvre à\n8 h (fermé le «lundi»).";
        // "cafe ouvre" (accents, case, spaces), "a 8 h" (à → a, newline), "lundi" (guillemets), "ferme le lundi"
        List<String> facts = List.of("cafe ouvre", "A 8 H", "lundi", "fermé le lundi.", "Ouvre à 8 h");
        assertEquals(1.0, AnswerMetrics.factRecall(answer, facts));
        // accents also stripped from the fact: "Crème brûlée" is found in "creme brulee"
        assertEquals(1.0, AnswerMetrics.factRecall("Try the creme brulee!", List.of("Crème brûlée")));
    }

    @Test
    void innerPunctuationStaysAndWordsMatchWhole() {
        // "pg_stat_statements" keeps its underscores; "42" is not found inside "420" nor "4.2"
        String answer = "Enable `pg_stat_statements`; it costs 420 µs, or 4.2 ms.";
        assertEquals(1.0, AnswerMetrics.factRecall(answer, List.of("pg_stat_statements", "4.2 ms")));
        assertEquals(0.0, AnswerMetrics.factRecall(answer, List.of("42")));
        assertEquals(0.0, AnswerMetrics.factRecall(answer, List.of("pg stat statements")));
    }

    @Test
    void thousandsSeparatorsAreRemovedBeforeComparingNumbers() {
        String answer = "The limit is 1,000 rows, 2\u00A0500\u202F000 bytes (no-break spaces) and 3,5 GB.";
        // "1000" = "1,000"; "2500000" = "2 500 000"; "1,000" in a fact is normalised too
        assertEquals(1.0, AnswerMetrics.factRecall(answer, List.of("1000 rows", "2500000", "1,000")));
        // "3,5" is not a thousands group (1 digit after the comma): it stays "3,5", so "35" is absent → 0 of 1
        assertEquals(0.0, AnswerMetrics.factRecall(answer, List.of("35")));
        assertEquals(1.0, AnswerMetrics.factRecall(answer, List.of("3,5 GB")));
        // 1,234,567 = 1234567
        assertEquals(1.0, AnswerMetrics.factRecall("About 1,234,567 users.", List.of("1234567 users")));
    }

    @Test
    void factWithoutWordsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> AnswerMetrics.factRecall(ANSWER, List.of("35 days", " ... ")));
        assertThrows(IllegalArgumentException.class, () -> AnswerMetrics.missingFacts(ANSWER, List.of("|")));
    }

    @Test
    void citationPrecisionCountsDistinctCitedIds() {
        // cited {a, b, c} (a twice), relevant {a, d}: 1 of 3 cited relevant → 0.3333
        List<String> cited = List.of("a", "b", "a", "c");
        assertEquals(1.0 / 3, AnswerMetrics.citationPrecision(cited, Set.of("a", "d")), 1e-12);
        // all of 2 distinct cited are relevant → 1.0
        assertEquals(1.0, AnswerMetrics.citationPrecision(List.of("a", "a", "d"), Set.of("a", "d", "e")));
    }

    @Test
    void citationPrecisionWithNothingCited() {
        assertEquals(0.0, AnswerMetrics.citationPrecision(List.of(), Set.of("a")));
        assertEquals(1.0, AnswerMetrics.citationPrecision(List.of(), Set.of()));
        // something cited, nothing relevant: 0 of 1 → 0.0
        assertEquals(0.0, AnswerMetrics.citationPrecision(List.of("a"), Set.of()));
    }

    @Test
    void citationRecallCountsRelevantIdsCited() {
        // relevant {a, d, e}, cited {a, b}: 1 of 3 → 0.3333
        assertEquals(1.0 / 3, AnswerMetrics.citationRecall(List.of("a", "b", "a"), List.of("a", "d", "e", "d")), 1e-12);
        assertEquals(1.0, AnswerMetrics.citationRecall(List.of("a"), Set.of()));
        assertEquals(1.0, AnswerMetrics.citationRecall(List.of(), Set.of()));
        assertEquals(0.0, AnswerMetrics.citationRecall(List.of(), Set.of("a")));
    }

    @Test
    void citationIdsAreComparedExactly() {
        // "Doc-1" ≠ "doc-1", "file:///a" ≠ "file:///a/": 0 of 2 → 0.0
        assertEquals(0.0, AnswerMetrics.citationRecall(List.of("Doc-1", "file:///a/"), List.of("doc-1", "file:///a")));
    }
}
