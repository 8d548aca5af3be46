package dev.lore.connector.filesystem;

import dev.lore.connector.spi.Checkpoint;
import dev.lore.connector.spi.Connector;
import dev.lore.connector.spi.ConnectorContext;
import dev.lore.connector.spi.ConnectorException;
import dev.lore.connector.spi.ConnectorPage;
import dev.lore.connector.spi.DocumentFailure;
import dev.lore.connector.spi.SourceDocument;
import dev.lore.security.AccessList;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Indexes a folder and its subfolders. Document identity is the path relative to the folder, with '/'
 * separators; the checkpoint cursor is the last relative path handed out, in lexicographic order, so a run that
 * dies resumes with the next file.
 *
 * <p>Safety: symbolic links are followed only when their target lies inside the folder (a link to
 * {@code /etc/passwd} is ignored); hidden files and folders are skipped; a subfolder that cannot be read is skipped,
 * not fatal; system folders ({@code /proc}, {@code /sys}, {@code /dev}) cannot be sources.
 *
 * <p>Where: a source's folder must lie (after resolving links) inside one of the folders the tenant may index:
 * {@code lore.filesystem.tenant-roots.<tenant>} if set, else {@code lore.filesystem.allowed-roots} (comma-separated
 * absolute paths; relative ones are resolved against the working directory).
 *
 * <p>Access: each document gets the access list of the nearest {@value #ACL_FILE} in its folder or above, up to the
 * allowed root (so a source rooted below a restricting rule file still obeys it), else the source's {@code acl}, else
 * none (see {@link FilesystemConfig}). A symbolic link takes the rule of its target's folder. A rule file that cannot
 * be read or parsed (or is not a file, or is {@code null}) fails the documents under it and restricts any indexed copy
 * to admins.
 */
@ApplicationScoped
public class FilesystemConnector implements Connector<FilesystemConfig> {

    /** Name of a folder's access rule file. */
    public static final String ACL_FILE = ".lore-acl.json";

    private static final Set<String> SYSTEM_ROOTS = Set.of("/proc", "/sys", "/dev");
    /** Reads rule files strictly: a misspelt field or "everyone": "yes" fails the rule file rather than meaning something else. */
    private static final ObjectMapper JSON = dev.lore.platform.StrictJson.strict(new ObjectMapper());

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
        root = root.normalize();
        for (String system : SYSTEM_ROOTS) {
            if (root.startsWith(system) || root.toString().equals("/")) {
                throw new ConnectorException("config.path '" + root + "' is a system folder; choose a folder of documents");
            }
        }
        if (!Files.isDirectory(root)) {
            throw new ConnectorException("config.path '" + config.path() + "' is not a readable folder");
        }
        if (!Files.isReadable(root)) {
            throw new ConnectorException("config.path '" + config.path() + "' is not readable by the Lore process");
        }
    }

    /** Checks the folder alone, then that it lies inside a root the tenant may index. */
    @Override
    public void validate(ConnectorContext<FilesystemConfig> context) throws ConnectorException {
        validate(context.config());
        boundary(context);
    }

    /** The allowed root the source's real folder lies in (the deepest one). */
    private static Path boundary(ConnectorContext<FilesystemConfig> context) throws ConnectorException {
        Path real;
        try {
            real = root(context.config()).toRealPath();
        } catch (IOException e) {
            throw new ConnectorException("cannot read folder '" + context.config().path() + "': " + e.getMessage(), e);
        }
        for (String system : SYSTEM_ROOTS) {
            if (real.startsWith(system) || real.toString().equals("/")) {
                throw new ConnectorException("config.path '" + context.config().path() + "' leads to a system folder; choose a folder of documents");
            }
        }
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String roots = config.getOptionalValue("lore.filesystem.tenant-roots." + context.tenantId(), String.class)
                .or(() -> config.getOptionalValue("lore.filesystem.allowed-roots", String.class)).orElse("");
        Path best = null;
        for (String r : roots.split(",")) {
            if (r.isBlank()) continue;
            try {
                Path allowed = Path.of(r.strip()).toAbsolutePath().normalize().toRealPath();
                if (real.startsWith(allowed) && (best == null || allowed.getNameCount() > best.getNameCount())) best = allowed;
            } catch (IOException e) {
                // a configured root that does not exist allows nothing
            }
        }
        if (best == null) {
            throw new ConnectorException("config.path '" + context.config().path() + "' is outside the folders this tenant may index ("
                    + (roots.isBlank() ? "none configured: set lore.filesystem.allowed-roots" : roots) + ")");
        }
        return best;
    }

    @Override
    public List<String> listDocumentKeys(ConnectorContext<FilesystemConfig> context) throws ConnectorException {
        validate(context);
        Path root = root(context.config());
        List<String> keys = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && dir.getFileName().toString().startsWith(".")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    // hidden entries are not the source's; everything else is listed, and what cannot be indexed (a
                    // link out of the folder, a pipe) is reported as skipped by fetchPage
                    if (!isHidden(root, file)) keys.add(key(root, file));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // an unreadable subfolder or file is skipped, not fatal
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new ConnectorException("cannot list folder '" + root + "': " + e.getMessage(), e);
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public ConnectorPage fetchPage(ConnectorContext<FilesystemConfig> context, Checkpoint checkpoint)
            throws ConnectorException {
        Path root = root(context.config());
        List<String> keys = listDocumentKeys(context);
        String after = checkpoint == null ? null : checkpoint.cursor();
        int pageSize = context.config().effectivePageSize();
        List<SourceDocument> documents = new ArrayList<>();
        List<DocumentFailure> failures = new ArrayList<>();
        String last = after;
        Map<Path, Rule> rules = new HashMap<>();
        Path boundary = boundary(context);
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw new ConnectorException("cannot read folder '" + root + "': " + e.getMessage(), e);
        }
        for (String key : keys) {
            if (after != null && key.compareTo(after) <= 0) continue;
            if (documents.size() + failures.size() >= pageSize) break;
            last = key;
            Path file = root.resolve(key);
            String notIndexed = whyNotIndexed(realRoot, file);
            if (notIndexed != null) {
                failures.add(DocumentFailure.skipped(key, notIndexed));
                continue;
            }
            Rule rule;
            try {
                // the rule of the folder the content really lives in: a link cannot lend a restricted file a public rule
                Path real = file.toRealPath();
                rule = rule(boundary, real.getParent(), rules);
            } catch (IOException e) {
                failures.add(new DocumentFailure(key, "cannot read file: " + e.getMessage()));
                continue;
            }
            if (rule.error() != null) {
                failures.add(new DocumentFailure(key, rule.error(), true));
                continue;
            }
            try {
                BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                documents.add(new SourceDocument(key, "file://" + root.toAbsolutePath() + "/" + key, null,
                        file.getFileName().toString(), attrs.size(), attrs.lastModifiedTime().toInstant(),
                        () -> Files.newInputStream(file), rule.acl() != null ? rule.acl() : context.config().acl()));
            } catch (IOException e) {
                failures.add(new DocumentFailure(key, "cannot read file: " + e.getMessage()));
            }
        }
        boolean hasMore = last != null && !keys.isEmpty() && last.compareTo(keys.getLast()) < 0;
        return new ConnectorPage(documents, failures, new Checkpoint(last, hasMore));
    }

    /**
     * The access rule in effect for the real folder {@code dir}: its own rule file, else its parent's, up to the
     * allowed root {@code boundary}. A rule file may be a link to a regular file (e.g. a mounted ConfigMap).
     */
    private static Rule rule(Path boundary, Path dir, Map<Path, Rule> cache) {
        Rule cached = cache.get(dir);
        if (cached != null) return cached;
        Rule rule;
        Path file = dir.resolve(ACL_FILE);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            String where = boundary.relativize(file).toString();
            try {
                if (!Files.isRegularFile(file)) throw new IOException("it is not a regular file");
                AccessList acl = JSON.readValue(file.toFile(), AccessList.class);
                if (acl == null) throw new IOException("it holds no access list");
                rule = new Rule(acl, null);
            } catch (IOException | IllegalArgumentException e) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException jp
                        ? dev.lore.platform.JsonErrors.describe(jp, ACL_FILE) : e.getMessage();
                rule = new Rule(null, "invalid access rule file " + where + " (its documents are restricted to admins): " + why);
            }
        } else if (dir.equals(boundary) || !dir.startsWith(boundary) || dir.getParent() == null) {
            rule = new Rule(null, null);
        } else {
            rule = rule(boundary, dir.getParent(), cache);
        }
        cache.put(dir, rule);
        return rule;
    }

    /** An access rule: a list, none ({@code acl} null), or an error that fails the documents it covers. */
    private record Rule(AccessList acl, String error) {}

    private static Path root(FilesystemConfig config) {
        return Path.of(config.path()).toAbsolutePath().normalize();
    }

    private static boolean isHidden(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    /**
     * Why the folder entry {@code p} is not indexed, or null when it is a regular file (or a link to one inside the
     * folder): links are followed only to regular files under the source's real folder, never out of it.
     */
    static String whyNotIndexed(Path realRoot, Path p) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return "cannot read the entry: " + e.getMessage();
        }
        if (attrs.isSymbolicLink()) {
            Path target;
            try {
                target = p.toRealPath();
            } catch (IOException e) {
                return "a link whose target does not exist (or a loop of links)";
            }
            if (!target.startsWith(realRoot)) return "a link to something outside the source's folder (links are followed only inside it)";
            if (Files.isDirectory(target)) return "a link to a folder (links to folders are not followed)";
            return Files.isRegularFile(target) ? null : "a link to something that is not a regular file (a pipe, socket or device)";
        }
        return attrs.isRegularFile() ? null : "not a regular file (a pipe, socket or device)";
    }

    private static String key(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }
}
