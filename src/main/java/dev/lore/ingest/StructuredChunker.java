package dev.lore.ingest;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
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
 * Splits a {@link ParsedDocument} along its headings, then recursively (paragraphs, lines, sentences, words)
 * inside sections that are too long, with overlap between the pieces of one section.
 *
 * <p>Rules: neighbouring small sections are packed together while the result stays under half the token limit,
 * keeping their own headings inline; each chunk's embedding text (breadcrumb + text) stays within
 * {@code lore.chunking.max-tokens} tokens of the embedding model's WordPiece tokenizer (default 384, under
 * the 512 the bge/MiniLM models were trained on). Text made only of punctuation is dropped.
 */
@ApplicationScoped
public class StructuredChunker {

    private static final int MAX_BREADCRUMB_TOKENS = 40;

    private final int maxTokens;
    private final int overlapTokens;
    private final TokenCountEstimator tokenizer;
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
                if (c.text().strip().split("\\s+").length >= 3) {
                    kept.add(new Chunk(kept.size(), c.headingPath(), c.text(), c.tokens(), c.embeddingText()));
                }
            }
            if (!kept.isEmpty()) return kept;
        }
        return out;
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
        if (count(text) <= budget) {
            pieces = List.of(text);
        } else {
            DocumentSplitter splitter = splitters.computeIfAbsent(budget, b -> DocumentSplitters.recursive(b, overlapTokens, tokenizer));
            pieces = splitter.split(Document.from(text)).stream().map(TextSegment::text).toList();
        }
        for (String piece : pieces) {
            String p = piece.strip();
            if (!hasWordCharacter(p)) continue;
            String embeddingText = breadcrumb.isEmpty() ? p : breadcrumb + "\n" + p;
            out.add(new Chunk(out.size(), List.copyOf(headingPath), p, count(embeddingText), embeddingText));
        }
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

    /** Token count by the embedding model's tokenizer. */
    public int count(String text) {
        return text.isEmpty() ? 0 : tokenizer.estimateTokenCountInText(text);
    }
}
