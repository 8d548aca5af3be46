package dev.lore.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A BEIR folder: {@code corpus.jsonl} ({@code {"_id","title","text"}} per line), {@code queries.jsonl}
 * ({@code {"_id","text"}} per line) and {@code qrels/<split>.tsv} (query-id, corpus-id, integer score, tab-separated,
 * with a header line).
 *
 * <p>Maps keep the files' order. {@code qrels} maps a query id to its judged documents (corpus id → score); only
 * queries with at least one judgment in the split are kept in {@code queries}.
 *
 * @param name the folder's name, e.g. {@code beir-scifact}
 * @param corpus corpus id → document
 * @param queries query id → query text (judged queries only)
 * @param qrels query id → (corpus id → relevance score; 0 = judged not relevant)
 */
public record BeirDataset(String name, Map<String, Doc> corpus, Map<String, String> queries, Map<String, Map<String, Integer>> qrels) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public BeirDataset {
        corpus = Collections.unmodifiableMap(corpus);
        queries = Collections.unmodifiableMap(queries);
        qrels = Collections.unmodifiableMap(qrels);
    }

    /**
     * One corpus document.
     *
     * @param id the corpus id (any string)
     * @param title its title, may be empty
     * @param text its text
     */
    public record Doc(String id, String title, String text) {}

    /**
     * Reads a folder for one split.
     *
     * @param folder the BEIR folder
     * @param split a file name under {@code qrels/} without {@code .tsv}, e.g. {@code train}
     * @return the corpus, the judged queries and their judgments
     * @throws IOException when a file cannot be read (a missing one names the split's file or the folder)
     * @throws IllegalArgumentException naming file and line for malformed JSON, a missing {@code _id}, a duplicate id,
     *     a qrels line without three fields or with a non-integer score, or a judgment naming an unknown query or
     *     document
     */
    public static BeirDataset read(Path folder, String split) throws IOException {
        Path qrelsFile = folder.resolve("qrels").resolve(split + ".tsv");
        if (!Files.isRegularFile(qrelsFile)) {
            throw new NoSuchFileException(qrelsFile.toString(), null, "no such split; found: " + splits(folder));
        }
        Map<String, Doc> corpus = new LinkedHashMap<>();
        readJsonLines(folder.resolve("corpus.jsonl"), (node, where) -> {
            String id = id(node, where);
            if (corpus.putIfAbsent(id, new Doc(id, text(node, "title"), text(node, "text"))) != null) {
                throw new IllegalArgumentException(where + ": duplicate _id '" + id + "'");
            }
        });
        Map<String, String> allQueries = new LinkedHashMap<>();
        readJsonLines(folder.resolve("queries.jsonl"), (node, where) -> {
            String id = id(node, where);
            if (allQueries.putIfAbsent(id, text(node, "text")) != null) {
                throw new IllegalArgumentException(where + ": duplicate _id '" + id + "'");
            }
        });
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(qrelsFile, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String where = qrelsFile + ":" + n;
                String[] f = line.split("\t");
                if (f.length != 3) throw new IllegalArgumentException(where + ": expected 3 tab-separated fields, got " + f.length);
                int score;
                try {
                    score = Integer.parseInt(f[2].strip());
                } catch (NumberFormatException e) {
                    if (n == 1) continue; // the header line (query-id, corpus-id, score)
                    throw new IllegalArgumentException(where + ": score '" + f[2] + "' is not an integer");
                }
                String q = f[0].strip(), d = f[1].strip();
                if (!allQueries.containsKey(q)) throw new IllegalArgumentException(where + ": unknown query id '" + q + "'");
                if (!corpus.containsKey(d)) throw new IllegalArgumentException(where + ": unknown corpus id '" + d + "'");
                qrels.computeIfAbsent(q, k -> new LinkedHashMap<>()).put(d, score);
            }
        }
        Map<String, String> queries = new LinkedHashMap<>();
        for (var e : allQueries.entrySet()) if (qrels.containsKey(e.getKey())) queries.put(e.getKey(), e.getValue());
        qrels.replaceAll((q, m) -> Collections.unmodifiableMap(m));
        return new BeirDataset(folder.toAbsolutePath().normalize().getFileName().toString(), corpus, queries, qrels);
    }

    /**
     * The split names found under {@code qrels/} (file names ending in {@code .tsv}, without it), sorted.
     *
     * @throws IOException when {@code qrels/} cannot be listed (also when it is missing)
     */
    public static List<String> splits(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder.resolve("qrels"))) {
            List<String> out = new ArrayList<>();
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tsv"))
                    .forEach(n -> out.add(n.substring(0, n.length() - 4)));
            Collections.sort(out);
            return out;
        }
    }

    /** The relevant (score &gt; 0) corpus ids of a query, or an empty set. */
    public java.util.Set<String> relevant(String queryId) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        qrels.getOrDefault(queryId, Map.of()).forEach((d, s) -> {
            if (s > 0) out.add(d);
        });
        return out;
    }

    private interface LineHandler {
        void accept(JsonNode node, String where);
    }

    private static void readJsonLines(Path file, LineHandler handler) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String where = file + ":" + n;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": invalid JSON: " + e.getOriginalMessage(), e);
                }
                if (node == null || !node.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object");
                handler.accept(node, where);
            }
        }
    }

    private static String id(JsonNode node, String where) {
        JsonNode id = node.get("_id");
        if (id == null || id.isNull() || !id.isValueNode() || id.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": missing _id");
        }
        return id.asText();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }
}
