package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named set of evaluation cases and what they run against.
 *
 * <p>Read from (see {@code docs/evaluation.md}):
 * <ul>
 *   <li>a JSONL file: an optional header line {@code {"suite": name, "description": …, "source": source name,
 *       "passAt": k, "domainDb": path}} then one case per line;</li>
 *   <li>a built-in suite, {@code eval/suites/<name>.jsonl} on the class path;</li>
 *   <li>a BEIR folder ({@code corpus.jsonl}, {@code queries.jsonl}, {@code qrels/<split>.tsv}) as it is, any split: a
 *       retrieval suite whose corpus the runner ingests first;</li>
 *   <li>a tau2-bench domain folder ({@code tasks.json} + {@code db.json}): one agent case per task, with the task's
 *       actions as the expected calls and the end state they produce.</li>
 * </ul>
 *
 * @param name suite name (baseline files and stored runs are keyed by it)
 * @param description one line, may be empty
 * @param cases the cases, ids unique
 * @param source name of the source retrieval/answer cases search (null = every source the caller may read)
 * @param corpus documents to ingest before running (BEIR suites), or null
 * @param passAt the rank within which a retrieval case counts as passed (hit@passAt)
 * @param domainDb the domain database file an agent case's end state starts from (tau2 {@code db.json}), or null
 */
public record EvalSuite(String name, String description, List<EvalCase> cases, String source, List<BeirDataset.Doc> corpus,
                        int passAt, Path domainDb) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a suite name may be: it names baseline and cassette files, so no path separators, no "..". */
    public static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9_-]+)*");

    public EvalSuite {
        if (name == null || name.length() > 100 || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid suite name '" + name + "': lower-case letters, digits, '-', '_' and single dots, at most 100");
        }
        if (passAt < 1 || passAt > 1000) throw new IllegalArgumentException("suite " + name + ": passAt must be within 1..1000, was " + passAt);
        Set<String> ids = new HashSet<>();
        for (EvalCase c : cases) {
            if (!ids.add(c.id())) throw new IllegalArgumentException("suite " + name + ": case id '" + c.id() + "' appears twice");
        }
        cases = List.copyOf(cases);
    }

    /** The same suite with only the cases whose ids are listed (in the suite's order). */
    public EvalSuite only(Set<String> ids) {
        return new EvalSuite(name, description, cases.stream().filter(c -> ids.contains(c.id())).toList(), source, corpus, passAt, domainDb);
    }

    /** The same suite with its first {@code n} cases. */
    public EvalSuite first(int n) {
        return new EvalSuite(name, description, cases.subList(0, Math.min(n, cases.size())), source, corpus, passAt, domainDb);
    }

    /**
     * Loads a built-in suite ({@code eval/suites/<name>.jsonl} on the class path).
     *
     * @throws IllegalArgumentException when there is no such suite or a line is invalid (message names the line)
     */
    public static EvalSuite builtIn(String name) {
        if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("invalid suite name: " + name);
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("eval/suites/" + name + ".jsonl")) {
            if (in == null) throw new IllegalArgumentException("no built-in suite '" + name + "' (eval/suites/" + name + ".jsonl)");
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read built-in suite " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a suite from a path: a JSONL file, a BEIR folder (with {@code split}; null = {@code test} when present, else
     * the first split) or a tau2-bench domain folder.
     *
     * @throws IOException when the files cannot be read
     * @throws IllegalArgumentException when the content is invalid (message names file and line) or the path is none of these
     */
    public static EvalSuite load(Path path, String split) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("corpus.jsonl"))) return beir(path, split);
            if (Files.exists(path.resolve("tasks.json")) && Files.exists(path.resolve("db.json"))) return tau2(path);
            throw new IllegalArgumentException(path + " is neither a BEIR folder (corpus.jsonl) nor a tau2 domain (tasks.json + db.json)");
        }
        String name = nameOf(path.getFileName().toString().replaceFirst("\\.jsonl$", ""));
        return parse(name, Files.readString(path), path.getParent());
    }

    /** A BEIR folder as a retrieval suite named {@code <folder>-<split>}. */
    public static EvalSuite beir(Path folder, String split) throws IOException {
        if (split == null) {
            List<String> splits = BeirDataset.splits(folder);
            if (splits.isEmpty()) throw new IllegalArgumentException(folder + ": no qrels/<split>.tsv");
            split = splits.contains("test") ? "test" : splits.get(0);
        }
        BeirDataset data = BeirDataset.read(folder, split);
        List<EvalCase> cases = new ArrayList<>();
        data.qrels().forEach((q, rel) -> {
            Map<String, Integer> gains = new LinkedHashMap<>();
            rel.forEach((doc, g) -> {
                if (g > 0) gains.put(doc, g);
            });
            if (!gains.isEmpty() && data.queries().containsKey(q)) cases.add(new EvalCase.Retrieval(q, data.queries().get(q), gains));
        });
        String name = nameOf(folder.getFileName() + "-" + split);
        return new EvalSuite(name, "BEIR " + folder.getFileName() + ", split " + split, cases, null,
                List.copyOf(data.corpus().values()), 10, null);
    }

    /**
     * A tau2-bench domain folder as an agent suite named {@code tau2-<folder>}: each task's opening message is built
     * from its user scenario (what the user knows and why they call), a second message confirms, and the expected
     * calls and end state are the task's actions. Tasks with an {@code initial_state} are left out.
     */
    public static EvalSuite tau2(Path folder) throws IOException {
        JsonNode tasks = JSON.readTree(folder.resolve("tasks.json").toFile());
        List<EvalCase> cases = new ArrayList<>();
        for (JsonNode task : tasks) {
            JsonNode init = task.path("initial_state");
            if (!init.isNull() && !init.isMissingNode()) continue;
            JsonNode instr = task.path("user_scenario").path("instructions");
            String opening = (text(instr, "reason_for_call") + " " + text(instr, "known_info")).trim();
            List<ToolCallSpec> calls = new ArrayList<>();
            for (JsonNode a : task.path("evaluation_criteria").path("actions")) calls.add(new ToolCallSpec(a.path("name").asText(), a.path("arguments")));
            ObjectNode end = JSON.createObjectNode().put("domain", "retail");
            end.set("actions", task.path("evaluation_criteria").path("actions"));
            cases.add(new EvalCase.Agent(task.path("id").asText(), "retail-support", List.of(opening, "Yes, I confirm. Please go ahead."),
                    calls, false, end));
        }
        String folderName = nameOf(folder.getFileName().toString());
        return new EvalSuite(folderName.startsWith("tau2") ? folderName : "tau2-" + folderName, "tau2-bench tasks of " + folder.getFileName(), cases, null, null, 5,
                folder.resolve("db.json"));
    }

    /** A suite name made from a file or folder name: lower case, anything else than letters, digits, '-', '_', '.' as '-'. */
    static String nameOf(String fileName) {
        String n = fileName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]", "-").replaceAll("\\.{2,}", ".")
                .replaceAll("^[^a-z0-9]+", "").replaceAll("[.]+$", "");
        return n.isEmpty() ? "suite" : n.length() > 100 ? n.substring(0, 100) : n;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : v.isMissingNode() || v.isNull() ? "" : v.toString();
    }

    /**
     * Parses JSONL text: an optional header line (an object with {@code suite}) then one case per line; blank lines and
     * lines starting with {@code //} are skipped. {@code base} resolves a relative {@code domainDb} (null = working
     * directory).
     */
    public static EvalSuite parse(String defaultName, String jsonl, Path base) {
        String name = defaultName, description = "", source = null;
        int passAt = 5;
        Path domainDb = null;
        List<EvalCase> cases = new ArrayList<>();
        String[] lines = jsonl.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("//")) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("suite " + defaultName + ", line " + (i + 1) + ": not JSON (" + e.getOriginalMessage() + ")");
            }
            if (!n.isObject()) throw new IllegalArgumentException("suite " + defaultName + ", line " + (i + 1) + ": not a JSON object");
            if (n.has("suite") && !n.has("id")) {
                name = n.path("suite").asText(name);
                description = n.path("description").asText("");
                source = n.hasNonNull("source") ? n.get("source").asText() : null;
                passAt = n.path("passAt").asInt(5);
                if (n.hasNonNull("domainDb")) {
                    Path p = Path.of(n.get("domainDb").asText());
                    domainDb = base == null || p.isAbsolute() ? p : base.resolve(p);
                }
                continue;
            }
            try {
                cases.add(caseOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("suite " + defaultName + ", line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new EvalSuite(name, description, cases, source, null, passAt, domainDb);
    }

    /**
     * One case from its JSON object; the type is {@code type}, or guessed: {@code query} → retrieval, {@code question}
     * → answer, {@code messages} → agent.
     *
     * @throws IllegalArgumentException naming the missing or invalid field
     */
    public static EvalCase caseOf(JsonNode n) {
        String type = n.hasNonNull("type") ? n.get("type").asText()
                : n.has("query") ? "retrieval" : n.has("question") ? "answer" : n.has("messages") ? "agent" : null;
        if (type == null) throw new IllegalArgumentException("case without type (and none of query, question, messages)");
        String id = required(n, "id");
        switch (type) {
            case "retrieval" -> {
                Map<String, Integer> rel = new LinkedHashMap<>();
                JsonNode r = n.path("relevant");
                if (r.isArray()) r.forEach(x -> rel.put(x.asText(), 1));
                else if (r.isObject()) r.fields().forEachRemaining(e -> {
                    if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 1) {
                        throw new IllegalArgumentException("case " + id + ": the gain of '" + e.getKey() + "' must be a whole number ≥ 1");
                    }
                    rel.put(e.getKey(), e.getValue().asInt());
                });
                else if (r.isTextual()) rel.put(r.asText(), 1);
                if (rel.isEmpty()) throw new IllegalArgumentException("case " + id + ": 'relevant' must list at least one document");
                return new EvalCase.Retrieval(id, required(n, "query"), rel);
            }
            case "answer" -> {
                return new EvalCase.Answer(id, required(n, "question"), n.hasNonNull("reference") ? n.get("reference").asText() : null,
                        strings(n.path("facts")), strings(n.path("cite")));
            }
            case "agent" -> {
                List<String> messages = strings(n.path("messages"));
                if (messages.isEmpty()) throw new IllegalArgumentException("case " + id + ": 'messages' must hold at least one user message");
                List<ToolCallSpec> calls = new ArrayList<>();
                for (JsonNode c : n.path("expectedCalls")) {
                    if (!c.hasNonNull("name")) throw new IllegalArgumentException("case " + id + ": an expected call without 'name'");
                    calls.add(new ToolCallSpec(c.get("name").asText(), c.path("arguments").isMissingNode() ? JSON.createObjectNode() : c.get("arguments")));
                }
                JsonNode end = n.hasNonNull("endState") ? n.get("endState") : null;
                if (calls.isEmpty() && end == null) throw new IllegalArgumentException("case " + id + ": give 'expectedCalls' or 'endState'");
                return new EvalCase.Agent(id, n.path("agent").asText("knowledge-assistant"), messages, calls, n.path("ordered").asBoolean(false), end);
            }
            default -> throw new IllegalArgumentException("case " + id + ": unknown type '" + type + "' (retrieval, answer, agent)");
        }
    }

    private static String required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v != null && field.equals("id") && v.isIntegralNumber()) return v.asText();
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException("missing or empty '" + field + "'");
        return v.asText();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        else if (n.isTextual()) out.add(n.asText());
        return out;
    }
}
