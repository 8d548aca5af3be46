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
                String window = joined(sentences.subList(i, i + len));
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
        return clip(joined(sentences.subList(bestStart, bestStart + bestLen)));
    }

    /** Sentences joined as the text had them: a space after Latin punctuation, none after "。" or "？" (Chinese, Japanese). */
    private static String joined(List<String> sentences) {
        StringBuilder out = new StringBuilder();
        for (String s : sentences) {
            if (!out.isEmpty()) {
                char last = out.charAt(out.length() - 1);
                if (!(last >= '\u3000' && last <= '\u303f') && !(last >= '\uff00' && last <= '\uffef')) out.append(' ');
            }
            out.append(s);
        }
        return out.toString();
    }

    /**
     * The words of {@code s} that count for matching: lower-cased, stop words and single letters dropped, cut to
     * their first five letters (a crude stem). Chinese, Japanese and Korean have no spaces between words: their runs
     * count as overlapping character pairs, as in the full-text index (migration V36), so "病假超过三天" shares
     * "病假", "三天"… with the sentence that answers it.
     */
    static Set<String> terms(String s) {
        Set<String> out = new HashSet<>();
        for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) {
            java.util.regex.Matcher cjk = CJK_RUN.matcher(w);
            if (cjk.find()) {
                cjk.reset();
                int last = 0;
                while (cjk.find()) {
                    addWord(out, w.substring(last, cjk.start()));
                    String run = cjk.group();
                    if (run.length() == 1) out.add(run);
                    for (int i = 0; i + 2 <= run.length(); i++) out.add(run.substring(i, i + 2));
                    last = cjk.end();
                }
                addWord(out, w.substring(last));
            } else {
                addWord(out, w);
            }
        }
        return out;
    }

    private static void addWord(Set<String> out, String w) {
        if (w.length() < 2 || STOP.contains(w)) return;
        out.add(w.length() > 5 ? w.substring(0, 5) : w);
    }

    /** A run of Han, Hiragana, Katakana or Hangul (the scripts of lore_fts_text, migration V36). */
    private static final java.util.regex.Pattern CJK_RUN =
            java.util.regex.Pattern.compile("[\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\p{IsHangul}]+");

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
