package dev.lore.agent;

import static dev.lore.agent.AgentLoopTest.call;
import static dev.lore.agent.AgentLoopTest.send;
import static dev.lore.agent.AgentLoopTest.toolCalls;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Hand-over to a human, by the agent (tool) or the client (API), with the webhook notified. */
@QuarkusTest
class HandoverTest {

    @Test
    void theAgentHandsOverAndTheWebhookHearsIt() throws Exception {
        LinkedBlockingQueue<String> hooks = new LinkedBlockingQueue<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 18099), 0);
        webhook.createContext("/handover", ex -> {
            hooks.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        webhook.start();
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        try {
            String agent = given().contentType(ContentType.JSON)
                    .body(Map.of("name", "handover-agent", "systemPrompt", "Hand over angry customers.", "tools", List.of("hand_over_to_human")))
                    .post("/api/v1/agents").then().statusCode(201).extract().path("id");
            String conv = given().contentType(ContentType.JSON).body(Map.of("agent", agent, "endUserId", "angry-1"))
                    .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
            model.enqueue(toolCalls(call("h1", "hand_over_to_human", "{\"reason\":\"customer asks for a manager\"}")),
                    Step.completion("A colleague will take over shortly."));
            JsonPath reply = send(conv, "I want to speak to a manager now!");
            assertEquals("handed_over", reply.getString("status"));
            assertEquals("A colleague will take over shortly.", reply.getString("reply"));
            String hook = hookFor(hooks, conv);
            assertTrue(hook != null && hook.contains("customer asks for a manager"), hook);
            given().get("/api/v1/conversations/" + conv).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("handed_over"))
                    .body("handoverReason", org.hamcrest.Matchers.equalTo("customer asks for a manager"));
            given().contentType(ContentType.JSON).body(Map.of("message", "hello?"))
                    .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(409);

            String conv2 = given().contentType(ContentType.JSON).body(Map.of("endUserId", "angry-2"))
                    .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
            given().contentType(ContentType.JSON).body(Map.of("reason", "escalated by the help desk"))
                    .post("/api/v1/conversations/" + conv2 + "/handover").then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("handed_over"));
            String hook2 = hookFor(hooks, conv2);
            assertTrue(hook2 != null && hook2.contains("escalated by the help desk"), hook2);
            // once: a second handover would overwrite the reason and notify again
            given().contentType(ContentType.JSON).body(Map.of("reason", "again"))
                    .post("/api/v1/conversations/" + conv2 + "/handover").then().statusCode(409)
                    .body("detail", org.hamcrest.Matchers.containsString("escalated by the help desk"));
        } finally {
            webhook.stop(0);
        }
    }

    /** Deleting a conversation removes its transcript and audit trail from the database, not just from the listing. */
    @Test
    void aDeletedConversationLeavesNoMessagesOrAuditBehind() throws Exception {
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        String conv = given().contentType(ContentType.JSON).body(Map.of("endUserId", "forget-me-1"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        model.enqueue(Step.completion("Your order ships tomorrow."));
        send(conv, "where is my order 4711?");
        assertTrue(rows("conversation_message", conv) > 0 && rows("audit_event", conv) > 0, "a turn leaves messages and audit events");
        dev.lore.support.Auth.asUser("bob").delete("/api/v1/conversations/" + conv).then().statusCode(404); // not bob's
        given().delete("/api/v1/conversations/" + conv).then().statusCode(204);
        given().get("/api/v1/conversations/" + conv).then().statusCode(404);
        given().get("/api/v1/conversations/" + conv + "/messages").then().statusCode(404);
        assertEquals(0, rows("conversation_message", conv));
        assertEquals(0, rows("audit_event", conv));
        given().delete("/api/v1/conversations/" + conv).then().statusCode(404);
    }

    @jakarta.inject.Inject io.agroal.api.AgroalDataSource dataSource;

    /** Rows of {@code table} for the conversation, counted as the database owner (no tenant filter). */
    private int rows(String table, String conversationId) throws Exception {
        try (var c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (var st = c.createStatement()) {
                st.execute("SET LOCAL lore.tenant = 'default'");
            }
            try (var ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE conversation_id = ?::uuid")) {
                ps.setString(1, conversationId);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    int n = rs.getInt(1);
                    c.rollback();
                    return n;
                }
            }
        }
    }

    /**
     * The first delivery for this conversation within 10 s, or null. The webhook URL is shared by the whole test run, so
     * a retried delivery of another test's hand-over (sent while nothing listened) may arrive here first: skip it.
     */
    private static String hookFor(LinkedBlockingQueue<String> hooks, String conversationId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String hook = hooks.poll(left, TimeUnit.NANOSECONDS);
            if (hook != null && hook.contains("\"conversationId\":\"" + conversationId + "\"")) return hook;
        }
        return null;
    }
}
