package dev.lore.agent;

import static dev.lore.agent.AgentLoopTest.call;
import static dev.lore.agent.AgentLoopTest.send;
import static dev.lore.agent.AgentLoopTest.toolCalls;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Long-term memory kept by the agent through remember / recall / forget, listable and erasable through the API. */
@QuarkusTest
class UserMemoryTest {

    @Inject AgroalDataSource dataSource;

    @Test
    void theAgentRemembersRecallsSemanticallyAndErasureLeavesNothing() throws Exception {
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        String agentId = given().contentType(ContentType.JSON)
                .body(Map.of("name", "memory-agent", "systemPrompt", "You remember the customer.",
                        "tools", List.of("remember", "recall", "forget")))
                .post("/api/v1/agents").then().statusCode(201).extract().path("id");
        String conv = given().contentType(ContentType.JSON).body(Map.of("agent", agentId, "endUserId", "traveller-7"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");

        model.enqueue(toolCalls(call("m1", "remember", "{\"fact\":\"Prefers a window seat on long flights\"}"),
                        call("m2", "remember", "{\"fact\":\"Is allergic to peanuts\"}")),
                Step.completion("Noted."));
        assertEquals("Noted.", send(conv, "I like window seats and I'm allergic to peanuts").getString("reply"));
        List<Map<String, Object>> memories = given().get("/api/v1/end-users/traveller-7/memories").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertEquals(2, memories.size());

        model.enqueue(toolCalls(call("r1", "recall", "{\"query\":\"where does the customer like to sit on a plane\"}")),
                Step.completion("You like the window."));
        JsonPath reply = send(conv, "Book me a seat as usual");
        String recalled = reply.getString("toolCalls[0].result");
        int window = recalled.indexOf("window seat"), peanuts = recalled.indexOf("peanuts");
        assertTrue(window >= 0 && (peanuts < 0 || window < peanuts), "semantic recall ranks the seat preference first: " + recalled);

        String peanutId = memories.stream().filter(m -> ((String) m.get("text")).contains("peanuts"))
                .map(m -> (String) m.get("id")).findFirst().orElseThrow();
        model.enqueue(toolCalls(call("f1", "forget", "{\"memoryId\":\"" + peanutId + "\"}")), Step.completion("Forgotten."));
        send(conv, "Forget the allergy");
        assertEquals(1, given().get("/api/v1/end-users/traveller-7/memories").then().extract().jsonPath().getList("$").size());

        Map<String, Object> erased = given().delete("/api/v1/end-users/traveller-7").then().statusCode(200).extract().jsonPath().getMap("$");
        assertEquals(1, erased.get("memoriesDeleted"));
        assertEquals(1, erased.get("conversationsDeleted"));
        given().get("/api/v1/conversations/" + conv).then().statusCode(404);
        UUID c = UUID.fromString(conv);
        assertEquals(0, count("SELECT count(*) FROM user_memory WHERE end_user_id = 'traveller-7'"));
        assertEquals(0, count("SELECT count(*) FROM conversation_message WHERE conversation_id = '" + c + "'"));
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE conversation_id = '" + c + "'"));
    }

    private long count(String sql) throws Exception {
        try (Connection conn = dataSource.getConnection(); PreparedStatement ps = conn.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
