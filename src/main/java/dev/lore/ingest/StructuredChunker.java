package dev.lore.ingest;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.document.splitter.DocumentByLineSplitter;
import dev.langchain4j.data.document.splitter.DocumentByParagraphSplitter;
import dev.langchain4j.data.document.splitter.DocumentBySentenceSplitter;
import dev.langchain4j.data.document.splitter.DocumentByWordSplitter;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.TokenCountEstimator;
import dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Splits a {@link ParsedDocument} along its headings, then recursively (paragraphs, lines, sentences, words, and
 * last {@link LongRunSplitter}'s windows over a run without spaces) inside sections that are too long, with overlap
 * between the pieces of one section. No character of a section is lost, except that chunks of one or two short
 * words are dropped when the document has other chunks ({@link #isStrayWords}).
 *
 * <p>Rules: neighbouring small sections are packed together while the result stays under half the token limit,
 * keeping their own headings inline; each chunk's embedding text (breadcrumb + text) stays within
 * {@code lore.chunking.max-tokens} tokens of the embedding model's WordPiece tokenizer (default 384, under
 * the 512 the bge/MiniLM models were trained on). Text made only of punctuation is dropped.
 */
@ApplicationScoped
public class StructuredChunker {

    private static final int MAX_BREADCRUMB_TOKENS = 40;
    /** English prose averages about 4.5 characters per WordPiece token; no chunk of the manual exceeds 9. */
    private static final int MAX_CHARS_PER_TOKEN = 12;

    private final int maxTokens;
    private final int overlapTokens;
    private final TokenCountEstimator tokenizer;
    /**
     * The measure splitting works with: the token count, but at least one per {@value #MAX_CHARS_PER_TOKEN}
     * characters, so that text the model's vocabulary reads as a handful of {@code [UNK]} tokens (Thai, Khmer, long
     * symbol runs) still ends in chunks of at most {@code maxTokens × 12} characters instead of one chunk per section.
     */
    private final TokenCountEstimator size;
    /** Splitters by token budget: building one loads the sentence model, so they are reused (they are stateless). */
    private final java.util.Map<Integer, DocumentSplitter> splitters = new java.util.concurrent.ConcurrentHashMap<>();

    /** With the model's tokenizer counted word by word (the default). */
    @Inject
    public StructuredChunker(@ConfigProperty(name = "lore.chunking.max-tokens", defaultValue = "384") int maxTokens,
                             @ConfigProperty(name = "lore.chunking.overlap-tokens", defaultValue = "48") int overlapTokens) {
        this(maxTokens, overlapTokens, new WordTokenCounter(new HuggingFaceTokenCountEstimator()));
    }

    /** With a given token counter (tests compare counters: the chunks must not depend on how tokens are counted). */
    StructuredChunker(int maxTokens, int overlapTokens, TokenCountEstimator tokenizer) {
        if (maxTokens < 64 || maxTokens > 510) {
            throw new IllegalArgumentException("lore.chunking.max-tokens must be within 64..510, got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.overlapTokens = Math.max(0, Math.min(overlapTokens, maxTokens / 4));
        this.tokenizer = tokenizer;
        this.size = new CharacterFloor(tokenizer);
    }

    /** Max tokens per chunk, as configured. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Overlap between consecutive pieces of one long section, in tokens. */
    public int overlapTokens() {
        return overlapTokens;
    }

    /**
     * Chunks a parsed document.
     *
     * @return chunks in document order, positions 0..n-1; empty when the document has no real text
     */
    public List<Chunk> chunk(ParsedDocument doc) {
        List<Chunk> out = new ArrayList<>();
        List<ParsedDocument.Section> pending = new ArrayList<>();
        int pendingTokens = 0;
        for (ParsedDocument.Section s : doc.sections()) {
            int t = count(s.text());
            if (!pending.isEmpty() && (pendingTokens + t + 8 > maxTokens / 2 || !samePrefixFamily(pending, s))) {
                emitPacked(doc.title(), pending, out);
                pending.clear();
                pendingTokens = 0;
            }
            pending.add(s);
            pendingTokens += t + 8;
            if (pendingTokens > maxTokens / 2) {
                emitPacked(doc.title(), pending, out);
                pending.clear();
                pendingTokens = 0;
            }
        }
        if (!pending.isEmpty()) emitPacked(doc.title(), pending, out);
        // a stray word or two ("VACUUM" under "See Also") says nothing on its own; keep it only when it is all there is
        if (out.size() > 1) {
            List<Chunk> kept = new ArrayList<>();
            for (Chunk c : out) {
                if (!isStrayWords(c.text())) {
                    kept.add(new Chunk(kept.size(), c.headingPath(), c.text(), c.tokens(), c.embeddingText()));
                }
            }
            if (!kept.isEmpty()) return kept;
        }
        return out;
    }

    /**
     * One or two short words ("VACUUM" under "See Also"). Chinese and Japanese characters count as words, and text
     * of 48 characters or more is never stray: a chunk of CJK text or a piece of a base64 blob has no spaces at all
     * (counting space-separated words alone dropped such chunks, losing their text).
     */
    static boolean isStrayWords(String text) {
        String t = text.strip();
        if (t.length() >= 48) return false;
        long words = t.split("\\s+").length;
        long ideographs = t.codePoints().filter(c -> Character.isIdeographic(c)
                || Character.UnicodeScript.of(c) == Character.UnicodeScript.HIRAGANA
                || Character.UnicodeScript.of(c) == Character.UnicodeScript.KATAKANA
                || Character.UnicodeScript.of(c) == Character.UnicodeScript.HANGUL).count();
        return words + ideographs < 3;
    }

    private static boolean samePrefixFamily(List<ParsedDocument.Section> pending, ParsedDocument.Section next) {
        List<String> a = pending.getFirst().headingPath();
        List<String> b = next.headingPath();
        // pack siblings and children under the same top-level heading only
        return a.isEmpty() == b.isEmpty() && (a.isEmpty() || Objects.equals(a.getFirst(), b.getFirst()));
    }

    private void emitPacked(String title, List<ParsedDocument.Section> group, List<Chunk> out) {
        List<String> prefix = group.getFirst().headingPath();
        for (ParsedDocument.Section s : group) prefix = commonPrefix(prefix, s.headingPath());
        StringBuilder text = new StringBuilder();
        for (ParsedDocument.Section s : group) {
            List<String> rest = s.headingPath().subList(prefix.size(), s.headingPath().size());
            if (!text.isEmpty()) text.append("\n\n");
            if (!rest.isEmpty()) text.append(String.join(" > ", rest)).append('\n');
            text.append(s.text());
        }
        emitSection(title, prefix, text.toString(), out);
    }

    private void emitSection(String title, List<String> headingPath, String text, List<Chunk> out) {
        String breadcrumb = breadcrumb(title, headingPath);
        int budget = maxTokens - count(breadcrumb) - 2;
        List<String> pieces;
        if (size.estimateTokenCountInText(text) <= budget) {
            pieces = List.of(text);
        } else {
            DocumentSplitter splitter = splitters.computeIfAbsent(budget, this::recursiveSplitter);
            pieces = splitter.split(Document.from(text)).stream().map(TextSegment::text).toList();
        }
        for (String piece : pieces) {
            String p = piece.strip();
            if (!hasWordCharacter(p)) continue;
            String embeddingText = breadcrumb.isEmpty() ? p : breadcrumb + "\n" + p;
            out.add(new Chunk(out.size(), List.copyOf(headingPath), p, count(embeddingText), embeddingText));
        }
    }

    /**
     * langchain4j's recursive chain (paragraphs, lines, sentences, words), ending in {@link LongRunSplitter} instead
     * of its character splitter, which is quadratic in a run's length; all levels measure with {@link #size}.
     */
    private DocumentSplitter recursiveSplitter(int budget) {
        return new DocumentByParagraphSplitter(budget, overlapTokens, size,
                new DocumentByLineSplitter(budget, overlapTokens, size,
                        new DocumentBySentenceSplitter(budget, overlapTokens, size,
                                new DocumentByWordSplitter(budget, overlapTokens, size,
                                        new LongRunSplitter(budget, overlapTokens, size)))));
    }

    /** The breadcrumb embedded before a chunk's text: "Title > H1 > H2", without repeating the title when it is also the first heading; capped in tokens. */
    public String breadcrumb(String title, List<String> headingPath) {
        List<String> parts = new ArrayList<>();
        if (title != null && !title.isBlank()) parts.add(title.strip());
        for (String h : headingPath) {
            if (parts.isEmpty() || !sameHeading(parts.getLast(), h)) parts.add(h);
        }
        String crumb = String.join(" > ", parts);
        while (count(crumb) > MAX_BREADCRUMB_TOKENS && parts.size() > 1) {
            parts.remove(parts.size() > 2 ? 1 : 0);
            crumb = String.join(" > ", parts);
        }
        if (count(crumb) > MAX_BREADCRUMB_TOKENS) crumb = crumb.substring(0, Math.min(crumb.length(), 120));
        return crumb;
    }

    private static boolean sameHeading(String a, String b) {
        String x = a.replaceAll("[^\\p{L}\\p{N}]", "").toLowerCase();
        String y = b.replaceAll("[^\\p{L}\\p{N}]", "").toLowerCase();
        return x.equals(y) || x.endsWith(y) || y.endsWith(x);
    }

    private static List<String> commonPrefix(List<String> a, List<String> b) {
        int n = 0;
        while (n < a.size() && n < b.size() && a.get(n).equals(b.get(n))) n++;
        return a.subList(0, n);
    }

    private static boolean hasWordCharacter(String s) {
        return s.codePoints().anyMatch(Character::isLetterOrDigit);
    }

    /** A token count that is at least one per {@value #MAX_CHARS_PER_TOKEN} characters. */
    private static final class CharacterFloor extends TextTokenCounter {
        CharacterFloor(TokenCountEstimator tokenizer) {
            super(tokenizer);
        }

        @Override
        public int estimateTokenCountInText(String text) {
            return Math.max(tokenizer.estimateTokenCountInText(text), (text.length() + MAX_CHARS_PER_TOKEN - 1) / MAX_CHARS_PER_TOKEN);
        }
    }

    /** Token count by the embedding model's tokenizer. */
    public int count(String text) {
        return text.isEmpty() ? 0 : tokenizer.estimateTokenCountInText(text);
    }
}
