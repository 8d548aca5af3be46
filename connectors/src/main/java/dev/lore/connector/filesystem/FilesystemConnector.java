package dev.lore.connector.filesystem;

import dev.lore.connector.spi.Checkpoint;
import dev.lore.connector.spi.Connector;
import dev.lore.connector.spi.ConnectorContext;
import dev.lore.connector.spi.ConnectorException;
import dev.lore.connector.spi.ConnectorPage;
import dev.lore.connector.spi.DocumentFailure;
import dev.lore.connector.spi.SourceDocument;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Indexes a folder and its subfolders. Document identity is the path relative to the folder, with '/'
 * separators; the checkpoint cursor is the last relative path handed out, in lexicographic order, so a run that
 * dies resumes with the next file.
 */
@ApplicationScoped
public class FilesystemConnector implements Connector<FilesystemConfig> {

    @Override
    public String type() {
        return "filesystem";
    }

    @Override
    public Class<FilesystemConfig> configType() {
        return FilesystemConfig.class;
    }

    @Override
    public void validate(FilesystemConfig config) throws ConnectorException {
        if (config == null || config.path() == null || config.path().isBlank()) {
            throw new ConnectorException("config.path is required: the absolute path of the folder to index");
        }
        Path root = Path.of(config.path());
        if (!root.isAbsolute()) {
            throw new ConnectorException("config.path must be absolute, got '" + config.path() + "'");
        }
        if (!Files.isDirectory(root)) {
            throw new ConnectorException("config.path '" + config.path() + "' is not a readable folder");
        }
        if (!Files.isReadable(root)) {
            throw new ConnectorException("config.path '" + config.path() + "' is not readable by the Lore process");
        }
    }

    @Override
    public List<String> listDocumentKeys(ConnectorContext<FilesystemConfig> context) throws ConnectorException {
        validate(context.config());
        Path root = Path.of(context.config().path());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> isIndexable(root, p)).map(p -> key(root, p)).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new ConnectorException("cannot list folder '" + root + "': " + e.getMessage(), e);
        }
    }

    @Override
    public ConnectorPage fetchPage(ConnectorContext<FilesystemConfig> context, Checkpoint checkpoint)
            throws ConnectorException {
        Path root = Path.of(context.config().path());
        List<String> keys = listDocumentKeys(context);
        String after = checkpoint == null ? null : checkpoint.cursor();
        int pageSize = context.config().effectivePageSize();
        List<SourceDocument> documents = new ArrayList<>();
        List<DocumentFailure> failures = new ArrayList<>();
        String last = after;
        int i = 0;
        for (String key : keys) {
            i++;
            if (after != null && key.compareTo(after) <= 0) continue;
            if (documents.size() + failures.size() >= pageSize) break;
            last = key;
            Path file = root.resolve(key);
            try {
                BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                documents.add(new SourceDocument(key, "file://" + root.toAbsolutePath() + "/" + key, null,
                        file.getFileName().toString(), attrs.size(), attrs.lastModifiedTime().toInstant(),
                        () -> Files.newInputStream(file)));
            } catch (IOException e) {
                failures.add(new DocumentFailure(key, "cannot read file: " + e.getMessage()));
            }
        }
        boolean hasMore = last != null && !keys.isEmpty() && last.compareTo(keys.getLast()) < 0;
        return new ConnectorPage(documents, failures, new Checkpoint(last, hasMore));
    }

    private static boolean isIndexable(Path root, Path p) {
        if (!Files.isRegularFile(p)) return false;
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) return false;
        }
        return true;
    }

    private static String key(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }
}
