package dev.lore.chat;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Picks the passage of a chunk that best matches a question: the window of up to two sentences sharing most terms. */
final class Quotes {

    private static final Set<String> STOP = Set.of("a", "an", "the", "is", "are", "was", "be", "to", "of", "in", "on", "for",
            "and", "or", "how", "what", "why", "when", "which", "who", "do", "does", "i", "my", "me", "can", "it", "its",
            "with", "by", "at", "from", "that", "this", "as", "into", "there", "will", "should", "would", "you", "your");
    private static final int MAX = 400;

    private Quotes() {}

    /**
     * The best quote of {@code text} for {@code question}.
     *
     * @return at most about 400 characters, cut at a word with an ellipsis when a sentence is longer
     */
    static String best(String text, String question) {
        Set<String> terms = terms(question);
        List<String> sentences = sentences(text);
        if (sentences.isEmpty()) return clip(text);
        int bestStart = 0, bestLen = 1;
        double bestScore = -1;
        for (int i = 0; i < sentences.size(); i++) {
            for (int len = 1; len <= 2 && i + len <= sentences.size(); len++) {
                String window = String.join(" ", sentences.subList(i, i + len));
                if (len > 1 && window.length() > MAX) break;
                Set<String> w = terms(window);
                int hits = 0;
                for (String t : terms) if (w.contains(t)) hits++;
                double score = hits - (len - 1) * 0.5 + (i == 0 ? 0.1 : 0);
                if (score > bestScore) {
                    bestScore = score;
                    bestStart = i;
                    bestLen = len;
                }
            }
        }
        return clip(String.join(" ", sentences.subList(bestStart, bestStart + bestLen)));
    }

    static Set<String> terms(String s) {
        Set<String> out = new HashSet<>();
        for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) {
            if (w.length() < 2 || STOP.contains(w)) continue;
            out.add(w.length() > 5 ? w.substring(0, 5) : w);
        }
        return out;
    }

    private static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
        String flat = text.replaceAll("\\s+", " ").strip();
        it.setText(flat);
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String s = flat.substring(start, end).strip();
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    private static String clip(String s) {
        String flat = s.replaceAll("\\s+", " ").strip();
        if (flat.length() <= MAX) return flat;
        int cut = flat.lastIndexOf(' ', MAX);
        return flat.substring(0, cut > MAX / 2 ? cut : MAX) + "…";
    }
}
