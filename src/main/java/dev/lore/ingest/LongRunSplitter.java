package dev.lore.ingest;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.TokenCountEstimator;
import java.util.ArrayList;
import java.util.List;

/**
 * The last level of {@link StructuredChunker}'s recursive split: cuts a run of text that has no usable word break
 * (a base64 blob, minified code, a long URL list, a paragraph of Chinese or Japanese) into consecutive windows of at
 * most {@code maxTokens} tokens, each as long as that allows, with about {@code overlapTokens} tokens of overlap.
 *
 * <p>Replaces langchain4j's {@code DocumentByCharacterSplitter} at this level, which re-counts the growing window
 * after every appended character: a 61,000-character base64 line took 37 s to chunk on 2 cores; here each window is
 * found by a galloping-then-bisecting search on its length that starts from the previous window's (about ten
 * counts of at most two windows' text each).
 *
 * <p>Cuts prefer the last sentence end or space in the window's final quarter ({@code 。！？.!?;；,，、} and
 * whitespace), else fall at the window's end. Every character of the input lands in at least one window, in order.
 * Thread-safe (stateless); the counter must be too.
 */
final class LongRunSplitter implements DocumentSplitter {

    private final int maxTokens;
    private final int overlapTokens;
    private final TokenCountEstimator counter;

    /**
     * @param maxTokens the most tokens one window may count, ≥ 1
     * @param overlapTokens tokens repeated from the end of one window at the start of the next, {@code 0..maxTokens/2}
     * @param counter the size measure; must be (nearly) monotone in the text's length
     */
    LongRunSplitter(int maxTokens, int overlapTokens, TokenCountEstimator counter) {
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be ≥ 1, got " + maxTokens);
        this.maxTokens = maxTokens;
        this.overlapTokens = Math.max(0, Math.min(overlapTokens, maxTokens / 2));
        this.counter = counter;
    }

    @Override
    public List<TextSegment> split(Document document) {
        String text = document.text();
        List<TextSegment> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        int hint = 0;
        while (start < n) {
            int fit = longestFit(text, start, hint);
            hint = fit - start;
            int end = preferBreak(text, start, fit);
            out.add(TextSegment.from(text.substring(start, end)));
            if (end >= n) break;
            int overlapChars = overlapTokens == 0 ? 0 : (int) ((long) (end - start) * overlapTokens / maxTokens);
            int next = safeIndex(text, end - overlapChars);
            // always move forward by at least half a window, so a window that counts oddly cannot stall the loop
            start = Math.max(next, safeIndex(text, start + Math.max(1, (end - start) / 2)));
        }
        return out;
    }

    /**
     * The largest end such that text[start, end) counts at most maxTokens (at least one code point). The search
     * starts from {@code hint} characters (the previous window's length; 0 for none) and gallops from there: windows
     * of one run are alike, so it usually brackets the answer within an eighth of a window in two or three counts.
     */
    private int longestFit(String text, int start, int hint) {
        int n = text.length();
        int good = safeIndex(text, Math.min(n, start + 1 + (Character.isHighSurrogate(text.charAt(start)) ? 1 : 0)));
        int bad = n + 1;
        long first = hint > 0 ? hint : 64;
        long step = hint > 0 ? Math.max(16, hint / 8) : 64;
        int probe = safeIndex(text, (int) Math.min(n, start + first));
        if (probe <= good || fits(text, start, probe)) {
            // gallop up until a probe does not fit
            good = Math.max(good, probe);
            while (good < n) {
                probe = safeIndex(text, (int) Math.min(n, good + step));
                if (!fits(text, start, probe)) {
                    bad = probe;
                    break;
                }
                good = probe;
                step *= 2;
            }
            if (good >= n) return n;
        } else {
            // gallop down until a probe fits
            bad = probe;
            while (true) {
                probe = safeIndex(text, (int) Math.max(good, bad - step));
                if (probe <= good) break;
                if (fits(text, start, probe)) {
                    good = probe;
                    break;
                }
                bad = probe;
                step *= 2;
            }
        }
        // bisect between the longest fitting and the shortest failing end
        while (bad - good > 1) {
            int mid = safeIndex(text, good + (bad - good) / 2);
            if (mid <= good || mid >= bad) break;
            if (fits(text, start, mid)) good = mid; else bad = mid;
        }
        return good;
    }

    private boolean fits(String text, int start, int end) {
        return counter.estimateTokenCountInText(text.substring(start, end)) <= maxTokens;
    }

    /** Moves a cut back to just after the last break character in the window's final quarter, when there is one. */
    private static int preferBreak(String text, int start, int end) {
        if (end >= text.length()) return end;
        int floor = start + (end - start) * 3 / 4;
        for (int i = end - 1; i > floor; i--) {
            if (isBreak(text.charAt(i - 1))) return i;
        }
        return end;
    }

    private static boolean isBreak(char c) {
        return Character.isWhitespace(c) || "。！？.!?;；,，、".indexOf(c) >= 0;
    }

    /** An index that does not fall between the two halves of a surrogate pair. */
    private static int safeIndex(String text, int i) {
        if (i > 0 && i < text.length() && Character.isLowSurrogate(text.charAt(i)) && Character.isHighSurrogate(text.charAt(i - 1))) return i + 1;
        return i;
    }
}
