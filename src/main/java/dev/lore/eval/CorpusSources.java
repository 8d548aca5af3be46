package dev.lore.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.connector.Source;
import dev.lore.connector.SyncRun;
import dev.lore.connector.SyncRunner;
import dev.lore.connector.spi.ConnectorException;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Puts an evaluation corpus into Lore as a filesystem source, through the normal pipeline (connector, Tika/Markdown
 * parser, chunker, embedder, store), and maps search results back to corpus ids.
 *
 * <p>Each document becomes one Markdown file {@code <encoded id>.md} holding {@code "# title\n\ntext"} (just the
 * text when the title is blank). The encoding keeps ASCII letters, digits, {@code _} and {@code -} and writes every
 * other UTF-8 byte as {@code %XX} (so no name is hidden, relative or case-folded into another); a name that would
 * exceed 200 bytes becomes {@code ~<sha-256 of the id>.md} and the id is kept in the hidden sidecar file
 * {@value #SIDECAR} of the folder (hidden files are not indexed).
 *
 * <p>The folder belongs to the corpus: {@code .md} files in it that are not part of the corpus are deleted.
 */
@ApplicationScoped
public class CorpusSources {

    /** Hidden file (not indexed) mapping hashed file names to corpus ids, JSON {@code {"~<hash>": "<id>"}}. */
    public static final String SIDECAR = ".lore-corpus-ids.json";

    private static final Logger LOG = Logger.getLogger(CorpusSources.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_NAME_BYTES = 200;
    private static final String EXT = ".md";
    private static final Map<Path, Sidecar> SIDECARS = new ConcurrentHashMap<>();

    private record Sidecar(FileTime modified, Map<String, String> ids) {}

    @Inject SyncRunner runner;
    @Inject AgroalDataSource dataSource;

    /**
     * Writes each document as a Markdown file into {@code dir}, creates the filesystem source {@code name} for the
     * caller's tenant (or reuses the one with that name), syncs it and waits until the run ends.
     *
     * <p>When the source exists, points at {@code dir}, no file had to be written or deleted and its last run
     * succeeded over the same number of documents without failures, nothing is synced (a no-op). The source's
     * documents are readable by the caller (access list: the caller's user name) and by the tenant's admins.
     *
     * @param caller who owns the source: an admin or curator; its tenant is the source's
     * @param name the source's name, unique in the tenant
     * @param docs the corpus; ids must be distinct and non-empty
     * @param dir the folder for the files (created if missing); must lie inside {@code lore.filesystem.allowed-roots}
     * @return the source's id
     * @throws IllegalArgumentException for duplicate or empty ids, or a folder the tenant may not index
     * @throws SecurityException when the caller is neither admin nor curator
     * @throws IllegalStateException when the source exists over another folder, the run fails, or any document fails
     *     (the message names the failed corpus ids and reasons, up to 20)
     * @throws UncheckedIOException when the files cannot be written
     */
    public UUID ingest(Caller caller, String name, Collection<BeirDataset.Doc> docs, Path dir) {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(name, "name");
        if (!caller.isAdmin() && !caller.roles().contains(Caller.CURATOR)) {
            throw new SecurityException("only admins and curators may create sources; " + caller.username() + " is neither");
        }
        Path root = dir.toAbsolutePath().normalize();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("path", root.toString());
        config.put("pageSize", 64);
        config.put("acl", Map.of("users", List.of(caller.username()), "groups", List.of(), "everyone", false));
        boolean changed;
        try {
            Files.createDirectories(root);
            runner.validate("filesystem", config, caller.tenant());
            changed = writeFiles(root, docs);
        } catch (ConnectorException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the corpus into " + root + ": " + e.getMessage(), e);
        }

        Source existing = existing(caller, name, root);
        if (existing != null && !changed && cleanLastRun(existing.id, docs.size())) {
            LOG.infof("corpus source '%s' (%d documents) is unchanged: not synced again", name, docs.size());
            return existing.id;
        }
        UUID sourceId = existing != null ? existing.id : createEvaluationSource(caller, name, config);
        syncAndCheck(sourceId, name, root, docs.size());
        return sourceId;
    }

    /**
     * Makes a folder of files (already inside {@code lore.filesystem.allowed-roots}) a filesystem source of the caller's
     * tenant, readable by the caller, or reuses the source of that name over the same folder; syncs it and waits
     * (unchanged files are skipped by their content hash). Used to give an evaluation its own copy of a corpus, e.g. in a
     * tenant of its own so that no other document shifts its term statistics.
     *
     * @return the source id
     * @throws IllegalStateException when the source exists over another folder, the run fails, or a document fails
     * @throws IllegalArgumentException when the folder is not allowed
     */
    public UUID syncFolder(Caller caller, String name, Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("path", root.toString());
        config.put("acl", Map.of("users", List.of(caller.username()), "groups", List.of(), "everyone", false));
        try {
            runner.validate("filesystem", config, caller.tenant());
        } catch (ConnectorException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Source existing = existing(caller, name, root);
        UUID sourceId = existing != null ? existing.id : createEvaluationSource(caller, name, config);
        syncAndCheck(sourceId, name, root, -1);
        return sourceId;
    }

    /** The caller's source of that name, or null; throws IllegalStateException when it indexes another folder. */
    private static Source existing(Caller caller, String name, Path root) {
        Source existing = QuarkusTransaction.requiringNew().call(() ->
                Source.<Source>find("tenantId = ?1 and name = ?2", caller.tenant(), name).firstResult());
        if (existing != null) {
            Object path = existing.config == null ? null : existing.config.get("path");
            if (!root.toString().equals(path)) {
                throw new IllegalStateException("source '" + name + "' exists over another folder (" + path + "), not " + root);
            }
        }
        return existing;
    }

    /**
     * Syncs the source, waits, and throws IllegalStateException when the run fails or a document fails (naming up to 20);
     * skipped documents are logged. {@code total} is the expected document count for the message, or -1.
     */
    private void syncAndCheck(UUID sourceId, String name, Path root, int total) {
        UUID runId = startWhenIdle(sourceId);
        SyncRun run = awaitRun(runId);
        if (!SyncRun.SUCCEEDED.equals(run.status)) {
            throw new IllegalStateException("sync of corpus source '" + name + "' " + run.status + ": " + run.error);
        }
        Map<String, String> failed = itemsWithStatus(runId, "failed", root);
        if (!failed.isEmpty()) {
            StringBuilder msg = new StringBuilder(failed.size() + (total >= 0 ? " of " + total : "") + " documents of '" + name + "' failed:");
            failed.entrySet().stream().limit(20).forEach(e -> msg.append("\n  ").append(e.getKey()).append(": ").append(e.getValue()));
            throw new IllegalStateException(msg.toString());
        }
        Map<String, String> skipped = itemsWithStatus(runId, "skipped", root);
        if (!skipped.isEmpty()) {
            LOG.warnf("%d documents of corpus source '%s' were skipped (not searchable), e.g. %s", skipped.size(), name,
                    skipped.entrySet().iterator().next());
        }
    }

    /** A new filesystem source of the caller's tenant, marked as an evaluation corpus; returns its id. */
    private static UUID createEvaluationSource(Caller caller, String name, Map<String, Object> config) {
        Source s = new Source();
        s.id = UUID.randomUUID();
        s.tenantId = caller.tenant();
        s.type = "filesystem";
        s.name = name;
        s.config = config;
        s.createdAt = Instant.now();
        s.evaluation = true;
        QuarkusTransaction.requiringNew().run(s::persist);
        return s.id;
    }

    /**
     * The corpus id of a search result from a source made by {@link #ingest}, decoded from its file name.
     *
     * @return the id, or null when the result's document name is not such a file name
     */
    public static String docId(SearchResult result) {
        if (result == null || result.documentKey() == null) return null;
        String key = result.documentKey();
        if (!key.endsWith(EXT) || key.contains("/")) return null;
        String base = key.substring(0, key.length() - EXT.length());
        if (base.startsWith("~")) {
            String uri = result.uri();
            if (uri == null || !uri.startsWith("file://") || !uri.endsWith("/" + key)) return null;
            Path root = Path.of(uri.substring("file://".length(), uri.length() - key.length() - 1));
            return sidecar(root).get(base);
        }
        return decode(base);
    }

    /** The file name (without folder) a corpus id is written to; ids over the length limit get a hashed name. */
    static String fileName(String id) {
        String encoded = encode(id);
        if (encoded.length() + EXT.length() <= MAX_NAME_BYTES) return encoded + EXT;
        return hashedBase(id) + EXT;
    }

    static String encode(String id) {
        StringBuilder out = new StringBuilder(id.length() + 8);
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Inverse of {@link #encode}; null when {@code s} is not an encoding this class writes. */
    static String decode(String s) {
        if (s.isEmpty()) return null;
        byte[] bytes = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return null;
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                bytes[n++] = (byte) c;
            } else {
                return null;
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static String hashedBase(String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "~" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Markdown a document is written as. */
    static String markdown(BeirDataset.Doc d) {
        String title = d.title() == null ? "" : d.title().strip().replaceAll("\\s+", " ");
        String text = d.text() == null ? "" : d.text();
        return title.isEmpty() ? text + "\n" : "# " + title + "\n\n" + text + "\n";
    }

    /** Writes files whose content differs, deletes other .md files; true when anything on disk changed. */
    private static boolean writeFiles(Path root, Collection<BeirDataset.Doc> docs) throws IOException {
        Files.createDirectories(root);
        Set<String> names = new HashSet<>();
        Map<String, String> hashed = new TreeMap<>();
        boolean changed = false;
        for (BeirDataset.Doc d : docs) {
            if (d.id() == null || d.id().isEmpty()) throw new IllegalArgumentException("a document has an empty id");
            String file = fileName(d.id());
            if (!names.add(file)) throw new IllegalArgumentException("duplicate document id '" + d.id() + "'");
            if (file.startsWith("~")) hashed.put(file.substring(0, file.length() - EXT.length()), d.id());
            byte[] content = markdown(d).getBytes(StandardCharsets.UTF_8);
            Path target = root.resolve(file);
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) continue;
            Files.write(target, content);
            changed = true;
        }
        try (Stream<Path> files = Files.list(root)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(EXT) && !names.contains(n) && Files.isRegularFile(p)) {
                    Files.delete(p);
                    changed = true;
                }
            }
        }
        Path sidecar = root.resolve(SIDECAR);
        byte[] map = JSON.writeValueAsBytes(hashed);
        if (hashed.isEmpty()) {
            changed |= Files.deleteIfExists(sidecar);
        } else if (!Files.isRegularFile(sidecar) || !Arrays.equals(Files.readAllBytes(sidecar), map)) {
            Files.write(sidecar, map);
        }
        SIDECARS.remove(root);
        return changed;
    }

    private static Map<String, String> sidecar(Path root) {
        Path file = root.resolve(SIDECAR);
        try {
            if (!Files.isRegularFile(file)) return Map.of();
            FileTime modified = Files.getLastModifiedTime(file);
            Sidecar cached = SIDECARS.get(root);
            if (cached != null && cached.modified().equals(modified)) return cached.ids();
            Map<String, String> ids = JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
            SIDECARS.put(root, new Sidecar(modified, Map.copyOf(ids)));
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** True when the source's latest run succeeded over {@code docs} documents with none failed or skipped. */
    private static boolean cleanLastRun(UUID sourceId, int docs) {
        SyncRun last = QuarkusTransaction.requiringNew().call(() ->
                SyncRun.<SyncRun>find("sourceId = ?1 order by startedAt desc", sourceId).firstResult());
        return last != null && SyncRun.SUCCEEDED.equals(last.status) && last.failed == 0 && last.skipped == 0 && last.total == docs;
    }

    private UUID startWhenIdle(UUID sourceId) {
        while (true) {
            try {
                return runner.start(sourceId);
            } catch (IllegalStateException e) {
                if (!runner.isRunning(sourceId)) throw e;
                sleep(250);
            }
        }
    }

    private static SyncRun awaitRun(UUID runId) {
        while (true) {
            SyncRun run = QuarkusTransaction.requiringNew().call(() -> SyncRun.<SyncRun>findById(runId));
            if (run == null) throw new IllegalStateException("sync run " + runId + " vanished (was its source deleted?)");
            if (!SyncRun.RUNNING.equals(run.status)) return run;
            sleep(250);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a sync", e);
        }
    }

    /** Corpus id (or file name, when it does not decode) → reason, for a run's items with this status. */
    private Map<String, String> itemsWithStatus(UUID runId, String status, Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT document_key, reason FROM sync_item WHERE run_id = ? AND status = ? ORDER BY document_key")) {
            ps.setObject(1, runId);
            ps.setString(2, status);
            try (ResultSet rs = ps.executeQuery()) {
                List<String[]> rows = new ArrayList<>();
                while (rs.next()) rows.add(new String[] {rs.getString(1), rs.getString(2)});
                for (String[] r : rows) {
                    String key = r[0];
                    String id = null;
                    if (key.endsWith(EXT)) {
                        String base = key.substring(0, key.length() - EXT.length());
                        id = base.startsWith("~") ? sidecar(root).get(base) : decode(base);
                    }
                    out.put(id == null ? key : id, r[1]);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the run's documents: " + e.getMessage(), e);
        }
        return out;
    }
}
