package dev.lore.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.tika.Tika;
import org.apache.tika.detect.AutoDetectReader;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.WriteLimitReachedException;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.sax.ToXMLContentHandler;
import org.apache.tika.sax.WriteOutContentHandler;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

/**
 * Turns raw bytes into a {@link ParsedDocument} whose sections follow the document's headings.
 *
 * <p>HTML is decoded with Tika's charset detection (BOM, meta charset, statistics: UTF-16LE works) and read
 * with jsoup, dropping navigation and scripts. Markdown is split on ATX headings. Everything else (PDF,
 * DOCX/ODT, PPTX, EML, plain text…) goes through Tika's {@link AutoDetectParser} to XHTML, whose
 * {@code h1}–{@code h6} (Word heading styles become those) then drive the same section walker.
 *
 * <p>Errors: {@link IngestException} with status {@code skipped} for empty input or no extractable text, and
 * {@code failed} for encrypted, corrupt or truncated files, carrying the parser's message.
 */
@ApplicationScoped
public class DocumentParser {

    private static final int MAX_XHTML_CHARS = 20_000_000;
    private static final Pattern MD_HEADING = Pattern.compile("^(#{1,6})\\s+(.+?)\\s*#*\\s*$");
    private static final String NAV_SELECTOR =
            "script, style, noscript, template, nav, header, footer, iframe, svg, form, "
                    + ".navheader, .navfooter, .nav, .navbar, .breadcrumb, .sidebar, [role=navigation]";

    private final Tika tika = new Tika();
    private final AutoDetectParser parser = new AutoDetectParser();
    private final LanguageDetector languageDetector;

    public DocumentParser() {
        LanguageDetector detector;
        try {
            detector = LanguageDetectorBuilder.create(NgramExtractors.standard())
                    .withProfiles(new LanguageProfileReader().readAllBuiltIn())
                    .build();
        } catch (IOException | RuntimeException e) {
            detector = null;
        }
        this.languageDetector = detector;
    }

    /**
     * Parses one document.
     *
     * @param bytes the raw content, fully read
     * @param fileName the name used to help type detection, e.g. {@code "intro.md"}
     * @return title, type, language and sections in document order
     * @throws IngestException skipped (empty, no text, unsupported) or failed (parser error, encrypted file)
     */
    public ParsedDocument parse(byte[] bytes, String fileName) throws IngestException {
        if (bytes.length == 0) {
            throw new IngestException(DocumentStatus.SKIPPED, "empty file (0 bytes)");
        }
        String type = detect(bytes, fileName);
        ParsedDocument parsed;
        if (type.equals("text/html") || type.equals("application/xhtml+xml")) {
            parsed = fromHtml(decode(bytes, fileName, type), "text/html", fileName);
        } else if (isMarkdown(type, fileName)) {
            parsed = fromMarkdown(decode(bytes, fileName, type), fileName);
        } else {
            parsed = withTika(bytes, fileName, type);
        }
        if (type.startsWith("text/") || type.equals("application/xhtml+xml")) {
            String why = unreadable(parsed);
            if (why != null) throw new IngestException(DocumentStatus.SKIPPED, "not text: " + why + " (detected type " + type + "; binary data under a text file name?)");
        }
        if (parsed.sections().isEmpty() || parsed.textLength() == 0) {
            String hint = type.equals("application/pdf") || type.startsWith("image/") ? "; a scanned image needs OCR, which Lore does not run" : "";
            if (type.equals("text/html") || type.equals("application/xhtml+xml")) {
                hint = "; the page holds only navigation or a table of contents";
            }
            // XHTML is parsed as HTML and documents show it as text/html: the reason says the same
            String shown = type.equals("application/xhtml+xml") ? "text/html" : type;
            throw new IngestException(DocumentStatus.SKIPPED, "no text could be extracted (detected type " + shown + hint + ")");
        }
        return parsed;
    }

    /** Characters checked by {@link #unreadable}: the first 64 Ki of the parsed text. */
    private static final int UNREADABLE_SAMPLE = 65_536;

    /**
     * Why a document detected as text is binary data, or null when it reads as text: more than 5% (and at least 8) of
     * the first {@value #UNREADABLE_SAMPLE} characters are control characters (other than tab, line and page breaks,
     * escape), undecodable ({@code U+FFFD}, lone surrogates), private-use or unassigned code points. Random bytes in a
     * file named {@code .txt} decode to such characters whatever charset is guessed (about one in ten bytes is a control
     * character; read as UTF-16, a fifth of the code units are unassigned); real text in any script has almost none, and
     * a few invalid bytes in a text (a stray Latin-1 byte in UTF-8) stay far below the share.
     */
    static String unreadable(ParsedDocument parsed) {
        int checked = 0, bad = 0;
        outer:
        for (ParsedDocument.Section section : parsed.sections()) {
            String t = section.text();
            for (int i = 0; i < t.length(); ) {
                if (checked >= UNREADABLE_SAMPLE) break outer;
                int c = t.codePointAt(i);
                i += Character.charCount(c);
                checked++;
                int type = Character.getType(c);
                boolean control = type == Character.CONTROL && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x0B && c != 0x1B;
                if (control || c == 0xFFFD || type == Character.SURROGATE || type == Character.PRIVATE_USE || type == Character.UNASSIGNED) bad++;
            }
        }
        if (bad < 8 || bad * 20L <= checked) return null;
        return String.format(Locale.ROOT, "%d of its first %d characters (%.0f%%) are control characters, undecodable or unassigned",
                bad, checked, 100.0 * bad / checked);
    }

    private String detect(byte[] bytes, String fileName) {
        Metadata md = new Metadata();
        md.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
        try {
            return tika.getDetector().detect(new ByteArrayInputStream(bytes), md).getBaseType().toString();
        } catch (IOException e) {
            return "application/octet-stream";
        }
    }

    private static boolean isMarkdown(String type, String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return type.equals("text/x-web-markdown") || lower.endsWith(".md") || lower.endsWith(".markdown");
    }

    private static String decode(byte[] bytes, String fileName, String type) throws IngestException {
        Metadata md = new Metadata();
        md.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
        md.set(Metadata.CONTENT_TYPE, type);
        try (Reader reader = new AutoDetectReader(new ByteArrayInputStream(bytes), md)) {
            StringBuilder sb = new StringBuilder(bytes.length);
            char[] buf = new char[8192];
            for (int n; (n = reader.read(buf)) > 0; ) sb.append(buf, 0, n);
            return sb.toString();
        } catch (Exception e) {
            throw new IngestException(DocumentStatus.FAILED, "cannot detect the text encoding: " + e.getMessage(), e);
        }
    }

    private ParsedDocument fromHtml(String html, String type, String fileName) {
        Document doc = Jsoup.parse(html);
        String title = doc.title().isBlank() ? null : doc.title().strip();
        doc.select(NAV_SELECTOR).remove();
        removeLinkLists(doc);
        // the titles of notes, tips and warnings are not section headings
        for (Element h : doc.select(".note h1, .note h2, .note h3, .note h4, .note h5, .note h6, .tip :is(h1,h2,h3,h4,h5,h6), "
                + ".warning :is(h1,h2,h3,h4,h5,h6), .caution :is(h1,h2,h3,h4,h5,h6), .important :is(h1,h2,h3,h4,h5,h6), "
                + "aside :is(h1,h2,h3,h4,h5,h6), .admonition :is(h1,h2,h3,h4,h5,h6)")) {
            h.tagName("p");
        }
        List<ParsedDocument.Section> sections = walk(doc.body() != null ? doc.body() : doc);
        if (title == null) title = firstHeadingOr(sections, fileName);
        return new ParsedDocument(title, type, detectLanguage(sections), sections);
    }

    /**
     * Drops link farms (tables of contents, indexes, menus): lists and tables of over 200 characters whose text is
     * at least 70% link text. Their words match every query and say nothing.
     */
    static void removeLinkLists(Document doc) {
        for (Element el : doc.select("ul, ol, dl, table, div.toc, div.index")) {
            if (el.parent() == null) continue; // already removed with an ancestor
            int total = el.text().length();
            if (total < 200) continue;
            int links = 0;
            for (Element a : el.select("a")) links += a.text().length();
            if (links >= 0.7 * total) el.remove();
        }
    }

    private ParsedDocument withTika(byte[] bytes, String fileName, String type) throws IngestException {
        Metadata md = new Metadata();
        md.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
        ToXMLContentHandler xml = new ToXMLContentHandler();
        WriteOutContentHandler limited = new WriteOutContentHandler(xml, MAX_XHTML_CHARS);
        try {
            parser.parse(new ByteArrayInputStream(bytes), limited, md, new ParseContext());
        } catch (EncryptedDocumentException e) {
            throw new IngestException(DocumentStatus.FAILED, "password-protected or encrypted (" + type + "): cannot read it", e);
        } catch (Exception e) {
            if (!WriteLimitReachedException.isWriteLimitReached(e)) {
                String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) root = root.getCause();
                if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) msg += ": " + root.getMessage();
                msg = msg.replaceAll("TIKA-\\d+: Illegal IOException from [\\w.$]+@[0-9a-f]+: ", "");
                throw new IngestException(DocumentStatus.FAILED, "parser error (" + type + "): " + msg, e);
            }
        } catch (LinkageError e) {
            throw new IngestException(DocumentStatus.FAILED, "parser error (" + type + "): " + e, e);
        }
        if (type.equals("application/octet-stream") && xml.toString().isBlank()) {
            throw new IngestException(DocumentStatus.SKIPPED, "unsupported file type (not recognised as any document format)");
        }
        Document doc = Jsoup.parse(xml.toString());
        doc.select("script, style").remove();
        String title = md.get(TikaCoreProperties.TITLE);
        List<ParsedDocument.Section> sections = walk(doc.body() != null ? doc.body() : doc);
        if (title == null || title.isBlank()) title = firstHeadingOr(sections, fileName);
        return new ParsedDocument(title.strip(), type, detectLanguage(sections), sections);
    }

    private ParsedDocument fromMarkdown(String text, String fileName) {
        List<ParsedDocument.Section> sections = new ArrayList<>();
        List<String> path = new ArrayList<>();
        List<Integer> levels = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inFence = false;
        String title = null;
        List<String> allHeadings = new ArrayList<>();
        for (String line : text.split("\r?\n", -1)) {
            String stripped = line.strip();
            if (stripped.startsWith("```") || stripped.startsWith("~~~")) inFence = !inFence;
            Matcher m = inFence ? null : MD_HEADING.matcher(line);
            if (m != null && m.matches()) {
                flush(sections, path, current);
                int level = m.group(1).length();
                while (!levels.isEmpty() && levels.getLast() >= level) {
                    levels.removeLast();
                    path.removeLast();
                }
                levels.add(level);
                path.add(m.group(2).strip());
                if (!m.group(2).isBlank()) allHeadings.add(m.group(2).strip());
                if (title == null && level == 1) title = m.group(2).strip();
            } else {
                current.append(line).append('\n');
            }
        }
        flush(sections, path, current);
        if (sections.stream().allMatch(x -> x.text().isBlank()) && !allHeadings.isEmpty()) {
            // only headings ("# Quarterly all-hands agenda"): they are the note's text (in HTML such a page is navigation)
            sections = List.of(new ParsedDocument.Section(List.of(), String.join("\n\n", allHeadings)));
        }
        if (title == null) title = firstHeadingOr(sections, fileName);
        return new ParsedDocument(title, "text/markdown", detectLanguage(sections), sections);
    }

    /** Walks an element tree in document order, cutting a new section at every h1–h6. */
    private static List<ParsedDocument.Section> walk(Element root) {
        List<ParsedDocument.Section> sections = new ArrayList<>();
        List<String> path = new ArrayList<>();
        List<Integer> levels = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        root.traverse(new NodeVisitor() {
            int skipDepth = -1;
            int preDepth = 0;

            @Override
            public void head(Node node, int depth) {
                if (skipDepth >= 0) return;
                if (node instanceof Element el) {
                    String tag = el.normalName();
                    int level = headingLevel(tag);
                    if (level > 0) {
                        flush(sections, path, current);
                        while (!levels.isEmpty() && levels.getLast() >= level) {
                            levels.removeLast();
                            path.removeLast();
                        }
                        String heading = el.text().strip();
                        if (!heading.isEmpty()) {
                            levels.add(level);
                            path.add(heading);
                        }
                        skipDepth = depth;
                        return;
                    }
                    if (tag.equals("pre")) preDepth++;
                    if (tag.equals("br")) current.append('\n');
                    if (tag.equals("td") || tag.equals("th")) current.append(' ');
                } else if (node instanceof TextNode tn) {
                    if (preDepth > 0) {
                        current.append(tn.getWholeText());
                    } else {
                        String t = tn.text();
                        if (!t.isBlank()) {
                            if (!current.isEmpty() && !Character.isWhitespace(current.charAt(current.length() - 1))
                                    && Character.isWhitespace(tn.getWholeText().charAt(0))) {
                                current.append(' ');
                            }
                            current.append(t.strip());
                            if (Character.isWhitespace(tn.getWholeText().charAt(tn.getWholeText().length() - 1))) {
                                current.append(' ');
                            }
                        }
                    }
                }
            }

            @Override
            public void tail(Node node, int depth) {
                if (skipDepth >= 0) {
                    if (depth == skipDepth) skipDepth = -1;
                    return;
                }
                if (node instanceof Element el) {
                    String tag = el.normalName();
                    if (tag.equals("pre")) preDepth--;
                    if (el.isBlock() || tag.equals("li") || tag.equals("tr") || tag.equals("dt") || tag.equals("dd")) {
                        current.append(tag.equals("p") || tag.equals("pre") || tag.equals("div") ? "\n\n" : "\n");
                    }
                }
            }
        });
        flush(sections, path, current);
        return sections;
    }

    private static int headingLevel(String tag) {
        return tag.length() == 2 && tag.charAt(0) == 'h' && tag.charAt(1) >= '1' && tag.charAt(1) <= '6' ? tag.charAt(1) - '0' : 0;
    }

    private static void flush(List<ParsedDocument.Section> sections, List<String> path, StringBuilder current) {
        String text = normalise(current.toString());
        current.setLength(0);
        if (!text.isEmpty()) sections.add(new ParsedDocument.Section(List.copyOf(path), text));
    }

    /** Trims lines, squeezes runs of blank lines to one and drops replacement-character noise at the edges. */
    static String normalise(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int blank = 0;
        for (String line : text.split("\n", -1)) {
            String l = line.stripTrailing();
            if (l.isBlank()) {
                blank++;
                continue;
            }
            if (!out.isEmpty()) out.append(blank > 0 ? "\n\n" : "\n");
            blank = 0;
            out.append(l);
        }
        return out.toString().strip();
    }

    private static String firstHeadingOr(List<ParsedDocument.Section> sections, String fileName) {
        for (ParsedDocument.Section s : sections) {
            if (!s.headingPath().isEmpty()) return s.headingPath().getFirst();
        }
        return fileName;
    }

    private String detectLanguage(List<ParsedDocument.Section> sections) {
        if (languageDetector == null) return null;
        StringBuilder sample = new StringBuilder();
        for (ParsedDocument.Section s : sections) {
            sample.append(s.text(), 0, Math.min(s.text().length(), 4000 - sample.length())).append('\n');
            if (sample.length() >= 4000) break;
        }
        // capped: the detector's URL and e-mail filter is very slow on long runs of letters and digits (a 3 MB
        // one-line file, an inline base64 image took it minutes)
        long letters = sample.codePoints().filter(Character::isLetter).count();
        String cjk = cjkLanguage(sample, letters);
        if (cjk != null) return cjk;
        if (letters < MIN_LETTERS_FOR_LANGUAGE) return null;
        var text = CommonTextObjectFactories.forDetectingOnLargeText().forText(sample);
        var probabilities = languageDetector.getProbabilities(text);
        // n-gram guesses on a few words are often wrong and still confident ("VPN setup guide": Catalan, 0.57);
        // short texts must convince far more than long ones
        double needed = letters < SHORT_TEXT_LETTERS ? 0.9 : 0.5;
        return probabilities.isEmpty() || probabilities.getFirst().getProbability() < needed
                ? null : probabilities.getFirst().getLocale().getLanguage();
    }

    /**
     * Chinese, Japanese or Korean told by script, which n-gram profiles do badly on a few lines (a short Chinese e-mail
     * came out Korean): when at least half of the letters are Han, Kana or Hangul (and there are at least
     * {@value #MIN_CJK_LETTERS}), Hangul making up half of those means {@code ko}, any Kana (a tenth of them) {@code ja},
     * Han alone {@code zh}. Null otherwise, and the n-gram detector decides.
     */
    static String cjkLanguage(CharSequence text, long letters) {
        long han = 0, kana = 0, hangul = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            if (script == Character.UnicodeScript.HAN) han++;
            else if (script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA) kana++;
            else if (script == Character.UnicodeScript.HANGUL) hangul++;
        }
        long all = han + kana + hangul;
        if (all < MIN_CJK_LETTERS || all * 2 < letters) return null;
        if (hangul * 2 >= all) return "ko";
        if (kana * 10 >= all) return "ja";
        return han > 0 ? "zh" : null;
    }

    /** Fewest Han, Kana or Hangul letters for a language by script (each is about a word's worth of meaning). */
    static final int MIN_CJK_LETTERS = 4;

    /** Below this many letters no language is guessed (null: unknown). */
    static final int MIN_LETTERS_FOR_LANGUAGE = 12;
    /** Texts with fewer letters need a probability of 0.9 for their language, longer ones 0.5. */
    static final int SHORT_TEXT_LETTERS = 120;
}
