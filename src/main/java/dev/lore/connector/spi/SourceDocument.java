package dev.lore.connector.spi;

import java.io.IOException;
import java.io.InputStream;
import dev.lore.security.AccessList;
import java.time.Instant;

/**
 * A document as a connector hands it over, before parsing.
 *
 * @param key identity inside the source, stable across syncs (the relative path for files, with '/' separators)
 * @param uri where a reader can open the original; for files, a {@code file:} URI ending with {@code key}
 * @param title a title the source knows, or {@code null} to let the parser find one
 * @param fileName the name the content type is guessed from, e.g. {@code "intro.html"}
 * @param sizeBytes content length in bytes, or -1 when unknown
 * @param modifiedAt last modification time the source reports, or {@code null}
 * @param content opens the raw bytes; the caller closes the stream
 * @param acl who may read it, as the source says; {@code null} when the connector says nothing about access (the
 *     stored list is then kept; a new document is readable by admins only)
 */
public record SourceDocument(String key, String uri, String title, String fileName, long sizeBytes, Instant modifiedAt,
                             ContentSupplier content, AccessList acl) {

    /** Opens a document's raw bytes. May be called more than once; each call returns a fresh stream. */
    @FunctionalInterface
    public interface ContentSupplier {
        InputStream open() throws IOException;
    }
}
