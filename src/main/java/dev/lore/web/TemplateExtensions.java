package dev.lore.web;

import io.quarkus.qute.TemplateExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;

/** Formatting helpers for the page templates. */
@TemplateExtension
final class TemplateExtensions {

    private TemplateExtensions() {}

    /** "just now", "5 min ago", "3 h ago", "2 d ago". */
    static String ago(Instant at) {
        if (at == null) return "";
        long s = Math.max(0, Duration.between(at, Instant.now()).getSeconds());
        if (s < 60) return "just now";
        if (s < 3600) return (s / 60) + " min ago";
        if (s < 86_400) return (s / 3600) + " h ago";
        return (s / 86_400) + " d ago";
    }

    /** A score with three decimals, or "–" when absent: {@code {lore:fmt(value)}}. */
    @TemplateExtension(namespace = "lore")
    static String fmt(Double d) {
        return d == null ? "–" : String.format(Locale.ROOT, "%.3f", d);
    }

    /** Items joined with ", ". */
    static String joined(Collection<?> items) {
        if (items == null || items.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        for (Object o : items) {
            if (b.length() > 0) b.append(", ");
            b.append(o);
        }
        return b.toString();
    }

    /** Bytes as KiB/MiB/GiB, or "–" when absent: {@code {lore:bytes(value)}}. */
    @TemplateExtension(namespace = "lore")
    static String bytes(Object value) {
        Long n = value instanceof Number num ? num.longValue() : null;
        if (n == null) return "–";
        double v = n;
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }
}
