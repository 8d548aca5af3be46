package dev.lore.retail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.agent.Agent;
import dev.lore.agent.AgentTool;
import dev.lore.agent.ToolRegistry;
import dev.lore.support.SharedData;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * tau2-bench retail, scored the tau2 way: for each of the 74 train tasks, a fresh db.json is imported into the
 * {@code retail} tables, the task's expected actions are replayed through Lore's tool layer (the {@link ToolRegistry}
 * beans the agent calls), and the resulting database must equal, field for field and float bit for bit, the state an
 * independent in-memory port of tau2's tools ({@link RetailReference}) reaches with the same actions on the JSON.
 */
@QuarkusTest
class RetailReplayTest {

    @Inject ToolRegistry registry;
    @Inject RetailImporter importer;
    @Inject RetailState state;
    @Inject ObjectMapper json;

    @Test
    void toolsMatchTheSchemaFile() throws Exception {
        Path dir = SharedData.require("tau2-retail");
        JsonNode schema = json.readTree(dir.resolve("tools.schema.json").toFile());
        assertEquals(16, schema.size());
        for (JsonNode t : schema) {
            String name = t.path("function").path("name").asText();
            AgentTool tool = registry.find("default", name).orElseThrow(() -> new AssertionError("no tool " + name));
            assertEquals(t.path("function").path("parameters"), tool.parameters(), name);
            assertEquals(!"WRITE".equals(t.path("tool_type").asText()), tool.readOnly(), name);
        }
        Set<String> names = new TreeSet<>();
        schema.forEach(t -> names.add(t.path("function").path("name").asText()));
        assertEquals(new TreeSet<>(RetailTools.NAMES), names);
    }

    @Test
    void calculateLikePython() throws Exception {
        AgentTool calc = registry.find("default", "calculate").orElseThrow();
        AgentTool.ToolContext ctx = context();
        assertEquals("4.0", calc.execute(ctx, json.readTree("{\"expression\":\"2 + 2\"}")));
        assertEquals("3.33", calc.execute(ctx, json.readTree("{\"expression\":\"10 / 3\"}")));
        assertEquals("-4.0", calc.execute(ctx, json.readTree("{\"expression\":\"-2 ** 2\"}")));
        assertEquals("137.91", calc.execute(ctx, json.readTree("{\"expression\":\"(164.28 - 26.37)\"}")));
        assertEquals("1e+16", RetailCalculator.pyRepr(1e16));
        assertEquals("Invalid characters in expression",
                assertThrowsTool(() -> calc.execute(ctx, json.readTree("{\"expression\":\"import os\"}"))));
        assertEquals("division by zero", assertThrowsTool(() -> calc.execute(ctx, json.readTree("{\"expression\":\"1/0\"}"))));
    }

    @Test
    void everyTrainTaskReachesTheExpectedDatabaseState() throws Exception {
        Path dir = SharedData.require("tau2-retail");
        ObjectNode fresh = (ObjectNode) json.readTree(dir.resolve("db.json").toFile());
        JsonNode tasks = json.readTree(dir.resolve("tasks.json").toFile());
        assertEquals(74, tasks.size(), "tau2 retail train tasks");
        AgentTool.ToolContext ctx = context();

        long start = System.nanoTime();
        // the import itself is lossless: the SQL dump of a fresh import is db.json
        importer.load(fresh);
        String freshHash = RetailState.hash(fresh);
        assertEquals(freshHash, state.hash(), "a fresh import dumps back to db.json");

        int passed = 0, writes = 0;
        long importNanos = 0, dumpNanos = 0, toolNanos = 0;
        List<String> expectedErrors = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> quirkAffected = new ArrayList<>();
        for (JsonNode task : tasks) {
            String id = task.path("id").asText();
            JsonNode init = task.path("initial_state");
            if (!init.isNull() && !init.isMissingNode()) {
                failures.add(id + ": initial_state is not supported by this replay: " + init);
                continue;
            }
            long t0 = System.nanoTime();
            importer.load(fresh);
            importNanos += System.nanoTime() - t0;
            RetailReference reference = new RetailReference(fresh.deepCopy(), false);
            boolean modifiesItems = task.path("evaluation_criteria").path("actions").findValuesAsText("name").contains("modify_pending_order_items");
            RetailReference quirk = modifiesItems ? new RetailReference(fresh.deepCopy(), true) : null;
            boolean wrote = false, wroteOk = false;
            String problem = null;
            for (JsonNode action : task.path("evaluation_criteria").path("actions")) {
                String name = action.path("name").asText();
                JsonNode args = action.path("arguments");
                AgentTool tool = registry.find("default", name).orElse(null);
                if (tool == null) {
                    problem = "no tool " + name;
                    break;
                }
                String lore;
                long tc = System.nanoTime();
                try {
                    tool.execute(ctx, args);
                    lore = null;
                } catch (AgentTool.ToolException e) {
                    lore = e.getMessage();
                }
                toolNanos += System.nanoTime() - tc;
                // tau2 replays every expected action and keeps going after one that errors (its result is an error
                // message); such errors are part of the expectation, and Lore must raise the very same one
                String expected = reference.apply(name, args);
                if (quirk != null) quirk.apply(name, args);
                if (!tool.readOnly()) {
                    wrote = true;
                    wroteOk |= lore == null;
                }
                if (!java.util.Objects.equals(expected, lore)) {
                    problem = action.path("action_id").asText() + " " + name + ": tau2 says " + (expected == null ? "ok" : "'" + expected + "'")
                            + ", Lore says " + (lore == null ? "ok" : "'" + lore + "'");
                    break;
                }
                if (lore != null) expectedErrors.add(action.path("action_id").asText() + " " + name + ": " + lore);
            }
            if (problem == null) {
                long t1 = System.nanoTime();
                ObjectNode actual = state.dump();
                dumpNanos += System.nanoTime() - t1;
                String actualHash = RetailState.hash(actual);
                String expectedHash = RetailState.hash(reference.db());
                if (!actualHash.equals(expectedHash)) {
                    problem = "end state differs: " + firstDifference("", reference.db(), actual);
                } else if (!actual.equals(reference.db())) {
                    problem = "same hash, different trees";
                } else if (wroteOk && actualHash.equals(freshHash)) {
                    problem = "a write action left the database unchanged";
                }
                if (quirk != null && !reference.db().equals(quirk.db())) quirkAffected.add(id);
            }
            if (wrote) writes++;
            if (problem == null) passed++;
            else failures.add("task " + id + ": " + problem);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("tau2 retail replay: %d/%d tasks reach the expected DB state (%d with writes) in %d ms "
                + "(imports %d ms, tool calls %d ms, dumps %d ms)%n", passed, tasks.size(), writes, ms, importNanos / 1_000_000,
                toolNanos / 1_000_000, dumpNanos / 1_000_000);
        System.out.println("tau2 retail replay: expected actions that fail in tau2 too (same message in Lore): " + expectedErrors);
        System.out.println("tau2 retail replay: tasks whose end state differs under tools.py's last-variant quirk: " + quirkAffected);
        failures.forEach(f -> System.out.println("  FAILED " + f));
        assertTrue(writes > 0, "tasks with writes: " + writes);
        if (!failures.isEmpty()) fail(failures.size() + " of " + tasks.size() + " tasks failed:\n" + String.join("\n", failures));
        assertEquals(74, passed);
    }

    @Test
    void errorsAreTau2sAndChangeNothing() throws Exception {
        Path dir = SharedData.require("tau2-retail");
        ObjectNode fresh = (ObjectNode) json.readTree(dir.resolve("db.json").toFile());
        importer.load(fresh);
        String before = state.hash();
        AgentTool.ToolContext ctx = context();
        String delivered = null, pending = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = fresh.get("orders").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String st = e.getValue().get("status").asText();
            if (delivered == null && st.equals("delivered")) delivered = e.getKey();
            if (pending == null && st.equals("pending")) pending = e.getKey();
        }
        assertEquals("Order not found", assertThrowsTool(() -> registry.find("default", "cancel_pending_order").orElseThrow()
                .execute(ctx, json.readTree("{\"order_id\":\"#W0000000\",\"reason\":\"no longer needed\"}"))));
        String d = delivered, p = pending;
        assertEquals("Non-pending order cannot be cancelled", assertThrowsTool(() -> registry.find("default", "cancel_pending_order").orElseThrow()
                .execute(ctx, json.createObjectNode().put("order_id", d).put("reason", "no longer needed"))));
        assertEquals("Invalid reason", assertThrowsTool(() -> registry.find("default", "cancel_pending_order").orElseThrow()
                .execute(ctx, json.createObjectNode().put("order_id", p).put("reason", "changed my mind"))));
        assertEquals("Non-delivered order cannot be returned", assertThrowsTool(() -> registry.find("default", "return_delivered_order_items").orElseThrow()
                .execute(ctx, json.createObjectNode().put("order_id", p).put("payment_method_id", "x").set("item_ids", json.createArrayNode()))));
        assertEquals("User not found", assertThrowsTool(() -> registry.find("default", "find_user_id_by_email").orElseThrow()
                .execute(ctx, json.readTree("{\"email\":\"nobody@example.com\"}"))));
        assertEquals(before, state.hash(), "failed writes change nothing");
    }

    private static String assertThrowsTool(ToolCall call) {
        try {
            call.run();
        } catch (AgentTool.ToolException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError("expected a ToolException, got " + e, e);
        }
        throw new AssertionError("expected a ToolException");
    }

    @FunctionalInterface
    interface ToolCall {
        void run() throws Exception;
    }

    private static AgentTool.ToolContext context() {
        Agent agent = new Agent();
        agent.name = RetailImporter.AGENT_NAME;
        agent.tenantId = "default";
        agent.tools = RetailTools.NAMES.toArray(new String[0]);
        return new AgentTool.ToolContext("default", null, "replay", agent, dev.lore.support.TestCallers.ADMIN);
    }

    /** Where two JSON values first differ, as a path with both values. */
    static String firstDifference(String path, JsonNode expected, JsonNode actual) {
        if (expected == null || actual == null) return path + ": expected " + expected + ", got " + actual;
        if (expected.isObject() && actual.isObject()) {
            Set<String> keys = new TreeSet<>();
            expected.fieldNames().forEachRemaining(keys::add);
            actual.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                if (!java.util.Objects.equals(expected.get(k), actual.get(k))) return firstDifference(path + "/" + k, expected.get(k), actual.get(k));
            }
            return path + ": equal";
        }
        if (expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) {
                if (!expected.get(i).equals(actual.get(i))) return firstDifference(path + "/" + i, expected.get(i), actual.get(i));
            }
        }
        return path + ": expected " + expected + ", got " + actual;
    }
}
