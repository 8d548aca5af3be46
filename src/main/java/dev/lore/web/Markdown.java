package dev.lore.web;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;
import org.commonmark.renderer.html.UrlSanitizer;

/**
 * Renders answers (Markdown written by a model, or quoted from documents) to HTML that is safe to put in a page:
 * raw HTML is escaped, never passed through; link targets other than {@code http}, {@code https} and {@code mailto}
 * become {@code #}; images are shown as links (nothing is fetched from elsewhere); links open only when clicked, in
 * a new tab, without referrer. Citation markers {@code [n]} become links to the answer's numbered references.
 */
public final class Markdown {

    private static final Set<String> SCHEMES = Set.of("http", "https", "mailto");
    private static final Pattern MARKER_OR_TAG = Pattern.compile("<[^>]*>|\\[(\\d{1,2}(?:\\s*,\\s*\\d{1,2})*)]");
    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder()
            .escapeHtml(true)
            .sanitizeUrls(true)
            .urlSanitizer(new SchemeSanitizer())
            .nodeRendererFactory(ImageAsLink::new)
            .attributeProviderFactory(ctx -> (node, tag, attributes) -> {
                if (node instanceof Link) {
                    attributes.put("rel", "nofollow noopener noreferrer");
                    attributes.put("target", "_blank");
                }
            })
            .build();

    private Markdown() {}

    /** Safe HTML for {@code markdown}; markers {@code [n]} link to {@code #<anchorPrefix>n}. */
    public static String render(String markdown, String anchorPrefix) {
        if (markdown == null || markdown.isEmpty()) return "";
        String html = RENDERER.render(PARSER.parse(markdown));
        Matcher m = MARKER_OR_TAG.matcher(html);
        StringBuilder out = new StringBuilder(html.length() + 64);
        while (m.find()) {
            if (m.group(1) == null) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
                continue;
            }
            StringBuilder links = new StringBuilder("<sup class=\"cite\">");
            String[] numbers = m.group(1).split(",");
            for (int i = 0; i < numbers.length; i++) {
                String n = numbers[i].strip();
                if (i > 0) links.append(' ');
                links.append("<a href=\"#").append(anchorPrefix).append(n).append("\">[").append(n).append("]</a>");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(links.append("</sup>").toString()));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Keeps http(s) and mailto targets; anything else (javascript:, data:, file:, relative) becomes {@code #}. */
    private static final class SchemeSanitizer implements UrlSanitizer {
        @Override
        public String sanitizeLinkUrl(String url) {
            String u = url == null ? "" : url.strip();
            int colon = u.indexOf(':');
            if (colon <= 0) return "#";
            return SCHEMES.contains(u.substring(0, colon).toLowerCase(Locale.ROOT)) ? u : "#";
        }

        @Override
        public String sanitizeImageUrl(String url) {
            return sanitizeLinkUrl(url);
        }
    }

    /** Renders an image as a link labelled with its alt text, so the page never fetches it. */
    private static final class ImageAsLink implements NodeRenderer {
        private final HtmlNodeRendererContext context;
        private final HtmlWriter html;

        ImageAsLink(HtmlNodeRendererContext context) {
            this.context = context;
            this.html = context.getWriter();
        }

        @Override
        public Set<Class<? extends Node>> getNodeTypes() {
            return Set.of(Image.class);
        }

        @Override
        public void render(Node node) {
            Image image = (Image) node;
            String href = context.encodeUrl(new SchemeSanitizer().sanitizeImageUrl(image.getDestination()));
            html.tag("a", context.extendAttributes(node, "a", java.util.Map.of("href", href, "rel", "nofollow noopener noreferrer",
                    "target", "_blank", "class", "image-link")));
            html.text("image: ");
            for (Node child = image.getFirstChild(); child != null; child = child.getNext()) context.render(child);
            html.tag("/a");
        }
    }
}
