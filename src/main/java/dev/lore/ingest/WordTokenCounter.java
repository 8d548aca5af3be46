package dev.lore.ingest;

import dev.langchain4j.model.TokenCountEstimator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedding model's WordPiece token count of a text, computed as the sum of its words' counts, each word
 * tokenised once and then remembered. Exact for BERT-style tokenizers (bge, MiniLM, e5): their pre-tokenizer splits
 * at every space, tab and line break before WordPiece runs, so a text's count is the sum of its space-separated
 * words' counts plus the special tokens ({@code [CLS]}, {@code [SEP]}) the tokenizer adds once per text.
 *
 * <p>Why: langchain4j's recursive splitter counts the growing segment again on every append, so a 3,000-token
 * section was tokenised hundreds of times (42 s of the manual's ingestion on 2 cores); with this counter each
 * distinct word is tokenised once per process. {@link StructuredChunkerTest} checks the sums against the tokenizer.
 *
 * <p>Thread-safe. Memory: at most {@value #MAX_WORDS} remembered words of up to {@value #MAX_CACHED_WORD} characters
 * (the cache starts over beyond that).
 */
final class WordTokenCounter extends TextTokenCounter {

    private static final int MAX_WORDS = 500_000;
    /** Longer words are counted every time, not remembered. */
    private static final int MAX_CACHED_WORD = 64;

    /** Tokens the tokenizer adds to every text however short (special tokens); counted once per text. */
    private final int perText;
    private final Map<String, Integer> words = new ConcurrentHashMap<>();

    /** @param tokenizer the model's own counter; must split words at spaces, tabs and line breaks (BERT's pre-tokenizer does) */
    WordTokenCounter(TokenCountEstimator tokenizer) {
        super(tokenizer);
        // count("x") = 1 + c and count("x x") = 2 + c for a one-token word x
        this.perText = 2 * tokenizer.estimateTokenCountInText("x") - tokenizer.estimateTokenCountInText("x x");
    }

    @Override
    public int estimateTokenCountInText(String text) {
        int total = 0;
        boolean any = false;
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && isBreak(text.charAt(i))) i++;
            int start = i;
            while (i < n && !isBreak(text.charAt(i))) i++;
            if (i > start) {
                any = true;
                total += word(text.substring(start, i));
            }
        }
        return any ? total + perText : tokenizer.estimateTokenCountInText(text);
    }

    private int word(String w) {
        if (w.length() > MAX_CACHED_WORD) return tokenizer.estimateTokenCountInText(w) - perText; // base64, minified code: not worth keeping
        Integer n = words.get(w);
        if (n == null) {
            n = tokenizer.estimateTokenCountInText(w) - perText;
            if (words.size() >= MAX_WORDS) words.clear();
            words.put(w, n);
        }
        return n;
    }

    /** Characters at which every BERT pre-tokenizer splits (a subset of its whitespace). */
    private static boolean isBreak(char ch) {
        return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
    }
}
