package dev.lore.bench;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.agent.Agent;
import dev.lore.agent.AgentLoop;
import dev.lore.agent.AgentService;
import dev.lore.agent.Conversation;
import dev.lore.agent.TurnListener;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Call;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lore's own time per agent step, without the model's: turns of "call {@code calculate}, then answer" against the
 * scripted OpenAI-compatible server answering at once, through {@link AgentLoop#turn} in process (the REST layer is
 * left out), with the model calls made without and with streaming.
 *
 * <p>Model time is measured inside Lore, by the loop, around each model call (from building the request to the parsed
 * response, reported to {@link TurnListener#modelCall}); so the HTTP round trip to the model server and the JSON of
 * the model protocol count as model time, not as overhead. Per turn of two steps:
 * <ul>
 *   <li>turn start: from calling the loop to sending the first model request (pending-action check, storing the user's
 *       message, reading the memory window, building the request);</li>
 *   <li>tool step: from the first model response to the second request (repair, validation, running {@code calculate},
 *       which takes microseconds, audit, storing the call with its result, reading the window again);</li>
 *   <li>final answer step: from the last model response to the reply (audit, storing the reply).</li>
 * </ul>
 * Conversations get {@value #TURNS_PER_CONVERSATION} turns each; a last series measures a long conversation.
 *
 * <p>Not part of the normal suite (tag {@code bench}): {@code deploy/agent-bench.sh} or
 * {@code ./mvnw -Pbench test -Dtest=AgentStepBenchmark}. System properties: {@code lore.bench.warmup} (turns, default
 * 300), {@code lore.bench.turns} (measured turns per mode, default 1000). Writes {@code target/bench/agent-steps.md} and
 * {@code .json}.
 */
@QuarkusTest
@Tag("bench")
class AgentStepBenchmark {

    static final int TURNS_PER_CONVERSATION = 10;
    static final int LONG_CONVERSATION_TURNS = 100;

    @Inject AgentLoop loop;
    @Inject AgentService agents;

    ScriptedOpenAiServer model;

    /** Timestamps of one turn's model calls, as the loop reports them. */
    static final class Clock implements TurnListener {
        final boolean streaming;
        final long[] start = new long[2];
        final long[] end = new long[2];
        int calls;

        Clock(boolean streaming) {
            this.streaming = streaming;
        }

        @Override
        public boolean streaming() {
            return streaming;
        }

        @Override
        public void modelCall(int step, long nanos) {
            long now = System.nanoTime();
            end[step - 1] = now;
            start[step - 1] = now - nanos;
            calls++;
        }
    }

    /** The samples of one series, in milliseconds. */
    record Series(double[] turnStart, double[] toolStep, double[] finalStep, double[] overhead, double[] model) {
        Series(int n) {
            this(new double[n], new double[n], new double[n], new double[n], new double[n]);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("turnStart", BenchOutput.percentiles(turnStart));
            m.put("toolStep", BenchOutput.percentiles(toolStep));
            m.put("finalAnswerStep", BenchOutput.percentiles(finalStep));
            m.put("turnOverhead", BenchOutput.percentiles(overhead));
            m.put("modelCall", BenchOutput.percentiles(model));
            return m;
        }
    }

    @Test
    void overheadPerStep() throws Exception {
        int warmup = Integer.getInteger("lore.bench.warmup", 300);
        int turns = Integer.getInteger("lore.bench.turns", 1000);
        model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        Agent agent = agents.find("default", agent());
        Map<String, Object> report = new LinkedHashMap<>();
        Map<String, Object> machine = BenchOutput.machine();
        report.put("machine", machine);
        report.put("settings", Map.of("warmupTurns", warmup, "measuredTurns", turns, "turnsPerConversation", TURNS_PER_CONVERSATION,
                "tool", "calculate (retail demo, pure arithmetic)", "model", "ScriptedOpenAiServer, answers at once, same JVM"));
        Map<String, Object> series = new LinkedHashMap<>();
        for (boolean streaming : new boolean[] {false, true}) {
            run(agent, streaming, warmup, TURNS_PER_CONVERSATION);
            series.put(streaming ? "streaming" : "json", run(agent, streaming, turns, TURNS_PER_CONVERSATION).toMap());
            Series longOne = run(agent, streaming, LONG_CONVERSATION_TURNS, LONG_CONVERSATION_TURNS);
            series.put((streaming ? "streaming" : "json") + "LastTurnsOfLongConversation", tail(longOne, 20).toMap());
        }
        machine.put("loadAverageAtEnd", BenchOutput.loadAverage());
        report.put("series", series);
        BenchOutput.write("agent-steps", report, markdown(report));
        model.reset();
    }

    /** {@code n} turns of two steps; a new conversation every {@code perConversation} turns. */
    private Series run(Agent agent, boolean streaming, int n, int perConversation) {
        Series s = new Series(n);
        Conversation conversation = null;
        for (int i = 0; i < n; i++) {
            if (i % perConversation == 0) conversation = conversation(agent);
            model.enqueue(toolStep(i), Step.answer("17 times 23 is 391."));
            Clock clock = new Clock(streaming);
            long t0 = System.nanoTime();
            AgentLoop.TurnResult r = loop.turn(conversation, agent, "What is 17 times 23?", clock);
            long t1 = System.nanoTime();
            assertEquals("answered", r.stopReason(), r::reply);
            assertEquals(2, clock.calls);
            assertTrue(r.toolCalls().getFirst().ok(), r.toolCalls().getFirst()::result);
            s.turnStart()[i] = ms(clock.start[0] - t0);
            s.toolStep()[i] = ms(clock.start[1] - clock.end[0]);
            s.finalStep()[i] = ms(t1 - clock.end[1]);
            double model = ms(clock.end[0] - clock.start[0]) + ms(clock.end[1] - clock.start[1]);
            s.model()[i] = model / 2;
            s.overhead()[i] = ms(t1 - t0) - model;
        }
        return s;
    }

    /** A step that calls {@code calculate}: JSON for a plain request, streamed chunks for a streaming one. */
    private static Step toolStep(int i) {
        String id = "calc_" + i;
        String arguments = "{\"expression\": \"17 * 23\"}";
        String message = "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + id + "\",\"type\":\"function\","
                + "\"function\":{\"name\":\"calculate\",\"arguments\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(arguments) + "}}]}";
        Step json = Step.message(message, "tool_calls");
        Step streamed = Step.streamedToolCalls(true, 8, new Call(id, "calculate", arguments));
        return new Step(0, 200, json.body(), streamed.events(), 0);
    }

    private static Series tail(Series s, int k) {
        int from = s.turnStart().length - k;
        return new Series(java.util.Arrays.copyOfRange(s.turnStart(), from, from + k), java.util.Arrays.copyOfRange(s.toolStep(), from, from + k),
                java.util.Arrays.copyOfRange(s.finalStep(), from, from + k), java.util.Arrays.copyOfRange(s.overhead(), from, from + k),
                java.util.Arrays.copyOfRange(s.model(), from, from + k));
    }

    private static String agent() {
        List<Map<String, Object>> existing = given().get("/api/v1/agents").then().extract().jsonPath().getList("$");
        for (Map<String, Object> a : existing) if ("bench-steps".equals(a.get("name"))) return (String) a.get("id");
        return given().contentType(ContentType.JSON)
                .body(Map.of("name", "bench-steps", "systemPrompt", "You do arithmetic with the calculate tool.",
                        "tools", List.of("calculate"), "maxModelCalls", 4, "maxToolCalls", 4))
                .post("/api/v1/agents").then().statusCode(201).extract().path("id");
    }

    private static Conversation conversation(Agent agent) {
        String id = given().contentType(ContentType.JSON).body(Map.of("agent", agent.id.toString(), "endUserId", "bench"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        return QuarkusTransaction.requiringNew().call(() -> Conversation.<Conversation>findById(UUID.fromString(id)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r) {
        Map<String, Object> series = (Map<String, Object>) r.get("series");
        StringBuilder sb = new StringBuilder("### Agent steps: Lore's time per step, model time excluded\n\n");
        sb.append(BenchOutput.machineLine((Map<String, Object>) r.get("machine"))).append("\n\n");
        sb.append("p50 / p95 / p99 in ms; model call = mean of the turn's two calls, measured in Lore.\n\n");
        sb.append("| series | turn start | tool step | final answer step | whole turn minus model | model call |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Object> e : series.entrySet()) {
            Map<String, Object> s = (Map<String, Object>) e.getValue();
            sb.append("| ").append(e.getKey()).append(" (n = ").append(((Map<String, Object>) s.get("toolStep")).get("n")).append(")");
            for (String k : List.of("turnStart", "toolStep", "finalAnswerStep", "turnOverhead", "modelCall")) {
                Map<String, Object> p = (Map<String, Object>) s.get(k);
                sb.append(" | ").append(BenchOutput.f(p.get("p50Ms"), 2)).append(" / ").append(BenchOutput.f(p.get("p95Ms"), 2))
                        .append(" / ").append(BenchOutput.f(p.get("p99Ms"), 2));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
