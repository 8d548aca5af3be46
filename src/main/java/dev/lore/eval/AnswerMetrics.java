package dev.lore.eval;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Metrics of one generated answer: which required facts it states, and how well its citations match the documents
 * that hold the answer. Pure functions; every score is in [0, 1].
 *
 * <p>Fact matching works on normalised text: Unicode NFD with combining marks removed ("café" = "cafe"), lower case,
 * thousands separators between digits removed ("1,000" = "1 000" with a no-break space = "1000"; a group must have
 * exactly three digits, so "3,5" stays), then split on white space, with punctuation stripped from both ends of each
 * word ("(42 ms)." = "42 ms"; inner punctuation such as "v1.2" or "pg_stat" stays). A fact is present when its words
 * appear as a contiguous run of whole words of the answer, so "42" is not found in "420".
 */
public final class AnswerMetrics {

    /** A thousands separator: comma, apostrophe, or a (thin, no-break) space between a digit and a 3-digit group. */
    private static final Pattern THOUSANDS =
            Pattern.compile("(?<=\\d)[,'\u2019\u00A0\u202F\u2009](?=\\d{3}(?!\\d))");
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern SPACE = Pattern.compile("\\s+");
    private static final Pattern EDGE_PUNCTUATION = Pattern.compile("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$");

    private AnswerMetrics() {}

    /**
     * Share of the required facts that the answer states.
     *
     * @param answer the generated answer; {@code null} counts as empty
     * @param facts the required facts, each counted as listed (a fact given twice counts twice); a fact may list
     *     alternatives separated by {@code |} ("42 ms|42ms") and is present when any alternative is
     * @return present facts / facts, or 1.0 when {@code facts} is empty
     * @throws IllegalArgumentException when a fact has no alternative with a letter or digit
     */
    public static double factRecall(String answer, List<String> facts) {
        if (facts.isEmpty()) return 1.0;
        return (double) (facts.size() - missingFacts(answer, facts).size()) / facts.size();
    }

    /**
     * The required facts that the answer does not state, as given (alternatives included), in the order given.
     *
     * @param answer the generated answer; {@code null} counts as empty
     * @param facts the required facts, see {@link #factRecall}
     * @return the missing facts; empty when all are present
     * @throws IllegalArgumentException when a fact has no alternative with a letter or digit
     */
    public static List<String> missingFacts(String answer, List<String> facts) {
        List<String> words = words(answer == null ? "" : answer);
        List<String> missing = new ArrayList<>();
        for (String fact : facts) {
            boolean found = false;
            boolean usable = false;
            for (String alternative : Objects.requireNonNull(fact, "fact").split("\\|")) {
                List<String> needle = words(alternative);
                if (needle.isEmpty()) continue;
                usable = true;
                if (containsRun(words, needle)) {
                    found = true;
                    break;
                }
            }
            if (!usable) throw new IllegalArgumentException("fact \"" + fact + "\" has no words to look for");
            if (!found) missing.add(fact);
        }
        return missing;
    }

    /**
     * Share of the distinct cited ids that are relevant (ids compared exactly).
     *
     * @param cited the ids the answer cites (document ids or URIs); duplicates count once
     * @param relevant the ids that hold the answer
     * @return |cited ∩ relevant| / |cited|; when nothing is cited: 0 if something is relevant, 1 if nothing is
     */
    public static double citationPrecision(Collection<String> cited, Collection<String> relevant) {
        Set<String> c = new HashSet<>(cited);
        Set<String> r = new HashSet<>(relevant);
        if (c.isEmpty()) return r.isEmpty() ? 1.0 : 0.0;
        return (double) c.stream().filter(r::contains).count() / c.size();
    }

    /**
     * Share of the distinct relevant ids that the answer cites (ids compared exactly).
     *
     * @param cited the ids the answer cites; duplicates count once
     * @param relevant the ids that hold the answer; duplicates count once
     * @return |cited ∩ relevant| / |relevant|, or 1 when nothing is relevant
     */
    public static double citationRecall(Collection<String> cited, Collection<String> relevant) {
        Set<String> c = new HashSet<>(cited);
        Set<String> r = new HashSet<>(relevant);
        if (r.isEmpty()) return 1.0;
        return (double) r.stream().filter(c::contains).count() / r.size();
    }

    /** The normalised words of {@code text} (see the class comment). Package-private for tests. */
    static List<String> words(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFD);
        s = MARKS.matcher(s).replaceAll("");
        s = THOUSANDS.matcher(s).replaceAll("");
        s = s.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        for (String w : SPACE.split(s)) {
            String stripped = EDGE_PUNCTUATION.matcher(w).replaceAll("");
            if (!stripped.isEmpty()) out.add(stripped);
        }
        return out;
    }

    private static boolean containsRun(List<String> haystack, List<String> needle) {
        String[] h = haystack.toArray(String[]::new);
        String[] n = needle.toArray(String[]::new);
        for (int i = 0; i + n.length <= h.length; i++) {
            if (Arrays.equals(h, i, i + n.length, n, 0, n.length)) return true;
        }
        return false;
    }
}
