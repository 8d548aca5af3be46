package dev.lore.agent;

import static dev.lore.agent.AgentLoopTest.assertConsistent;
import static dev.lore.agent.AgentLoopTest.call;
import static dev.lore.agent.AgentLoopTest.send;
import static dev.lore.agent.AgentLoopTest.toolCalls;
import static dev.lore.agent.AgentLoopTest.transcript;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP tools against a real local HTTP service: declared from JSON and from OpenAPI, secrets from configuration and
 * never shown, allowed hosts enforced, and side-effecting calls held until the client confirms.
 */
@QuarkusTest
class HttpToolTest {

    ScriptedOpenAiServer model;
    HttpServer orders;
    final List<String> received = new CopyOnWriteArrayList<>();
    String base;

    @BeforeEach
    void setUp() throws IOException {
        model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        orders = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        orders.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " auth=" + ex.getRequestHeaders().getFirst("Authorization") + " " + body);
            byte[] out = ex.getRequestMethod().equals("GET")
                    ? "{\"orderId\":\"A-17\",\"status\":\"shipped\",\"carrier\":\"DHL\"}".getBytes(StandardCharsets.UTF_8)
                    : "{\"ticketId\":\"T-1\"}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ex.getRequestMethod().equals("GET") ? 200 : 201, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        orders.start();
        base = "http://127.0.0.1:" + orders.getAddress().getPort();
    }

    @AfterEach
    void tearDown() {
        orders.stop(0);
        model.reset();
    }

    @Test
    void readToolCallsTheServiceWithTheSecretAndNeverShowsIt() {
        declare(Map.of("name", "get_order", "description", "Look up an order by id", "method", "GET",
                "url", base + "/orders/{orderId}", "authHeader", "Authorization", "authSecret", "orders-token", "authPrefix", "Bearer ",
                "parameters", Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "string")), "required", List.of("orderId"))));
        String conv = conversation(agent("orders-agent-read", List.of("get_order")));
        model.enqueue(toolCalls(call("g1", "get_order", "{\"orderId\":\"A-17\"}")), Step.completion("Your order shipped with DHL."));
        JsonPath reply = send(conv, "Where is my order A-17?");
        assertTrue(reply.getBoolean("toolCalls[0].ok"), reply.prettify());
        assertTrue(reply.getString("toolCalls[0].result").contains("shipped"));
        assertEquals(1, received.size());
        assertTrue(received.getFirst().startsWith("GET /orders/A-17 auth=Bearer test-token-123"), received.getFirst());
        String listed = given().get("/api/v1/tools/http").then().statusCode(200).extract().asString();
        String audit = given().get("/api/v1/conversations/" + conv + "/audit").then().extract().asString();
        String transcript = given().get("/api/v1/conversations/" + conv + "/messages").then().extract().asString();
        for (String shown : List.of(listed, audit, transcript, reply.prettify())) assertFalse(shown.contains("test-token-123"));
    }

    @Test
    void sideEffectingOperationsFromOpenApiWaitForConfirmation() {
        Map<String, Object> doc = Map.of("openapi", "3.0.3", "servers", List.of(Map.of("url", base)),
                "paths", Map.of("/tickets", Map.of("post", Map.of("operationId", "create_ticket", "summary", "Open a support ticket",
                        "requestBody", Map.of("content", Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Ticket"))))))),
                "components", Map.of("schemas", Map.of("Ticket", Map.of("type", "object",
                        "properties", Map.of("subject", Map.of("type", "string")), "required", List.of("subject")))));
        List<Map<String, Object>> tools = given().contentType(ContentType.JSON).body(Map.of("document", doc))
                .post("/api/v1/tools/http/openapi").then().statusCode(200).extract().jsonPath().getList("$");
        assertEquals(true, tools.getFirst().get("requiresConfirmation"));
        assertEquals(false, tools.getFirst().get("readOnly"));

        String conv = conversation(agent("orders-agent-write", List.of("create_ticket")));
        model.enqueue(toolCalls(call("t1", "create_ticket", "{\"subject\":\"Broken kettle\"}")));
        JsonPath held = send(conv, "Please open a ticket about my broken kettle");
        assertEquals("confirmation_required", held.getString("stopReason"));
        assertTrue(held.getString("reply").contains("create_ticket"));
        assertTrue(received.isEmpty(), "nothing may be sent before confirmation: " + received);
        given().get("/api/v1/conversations/" + conv + "/pending-action").then().statusCode(200);

        model.enqueue(Step.completion("Ticket T-1 is open."));
        JsonPath done = given().post("/api/v1/conversations/" + conv + "/pending-action/confirm").then().statusCode(200).extract().jsonPath();
        assertEquals("Ticket T-1 is open.", done.getString("reply"));
        assertEquals(1, received.size());
        assertTrue(received.getFirst().startsWith("POST /tickets") && received.getFirst().contains("Broken kettle"), received.getFirst());
        given().post("/api/v1/conversations/" + conv + "/pending-action/confirm").then().statusCode(409);
        assertConsistent(transcript(conv));

        model.enqueue(toolCalls(call("t2", "create_ticket", "{\"subject\":\"Another one\"}")), Step.completion("Okay, I did not open it."));
        assertEquals("confirmation_required", send(conv, "Open another").getString("stopReason"));
        JsonPath rejected = given().post("/api/v1/conversations/" + conv + "/pending-action/reject").then().statusCode(200).extract().jsonPath();
        assertEquals("Okay, I did not open it.", rejected.getString("reply"));
        assertEquals(1, received.size(), "a rejected call is never sent");
        assertTrue(model.lastRequest().toString().contains("rejected this action"));
        assertConsistent(transcript(conv));
    }

    @Test
    void hostsOutsideTheAllowListAreRefused() {
        // a fixed host outside the list is refused when the tool is declared (every call would fail)
        given().contentType(ContentType.JSON).body(Map.of("name", "never_works", "description", "Looks things up", "method", "GET",
                        "url", base + "/orders/{orderId}", "allowedHosts", List.of("orders.internal.example"),
                        "parameters", Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "string")))))
                .post("/api/v1/tools/http").then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("not in allowedHosts"));
        // a host the arguments fill in is checked on every call
        declare(Map.of("name", "sneaky_lookup", "description", "Looks things up", "method", "GET", "url", "http://{host}/orders/{orderId}",
                "allowedHosts", List.of("orders.internal.example"),
                "parameters", Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "string"), "host", Map.of("type", "string")))));
        String conv = conversation(agent("orders-agent-hosts", List.of("sneaky_lookup")));
        String target = java.net.URI.create(base).getHost();
        model.enqueue(toolCalls(call("s1", "sneaky_lookup", "{\"orderId\":\"A-17\",\"host\":\"" + target + "\"}")), Step.completion("Could not look it up."));
        JsonPath reply = send(conv, "Look up A-17");
        assertFalse(reply.getBoolean("toolCalls[0].ok"));
        assertTrue(reply.getString("toolCalls[0].result").contains("not allowed"), reply.getString("toolCalls[0].result"));
        assertTrue(received.isEmpty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void toolsThatCouldNeverWorkAreRefusedWhenDeclared() {
        Map<String, Object> params = Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "strng")));
        for (Object[] c : new Object[][] {
                {Map.of("url", base + "/orders/{orderId}", "parameters", params), "parameters.properties.orderId.type 'strng' is not a JSON Schema type"},
                {Map.of("url", base + "/orders/{id}", "parameters", Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "string")))),
                        "url placeholder {id} is not one of the parameters' properties"},
                {Map.of("url", base + "/orders", "parameters", Map.of("type", "object"), "timeoutMs", -5), "timeoutMs must be from 1 to 120000"}}) {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("name", "broken_tool", "description", "Never works", "method", "GET"));
            body.putAll((Map<String, Object>) c[0]);
            given().contentType(ContentType.JSON).body(body).post("/api/v1/tools/http")
                    .then().statusCode(400).body("detail", org.hamcrest.Matchers.startsWith((String) c[1]));
        }
        given().get("/api/v1/tools/http").then().body("name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("broken_tool")));
        // an import says what the document is when it is not OpenAPI 3
        given().contentType(ContentType.JSON).body(Map.of("document", Map.of("swagger", "2.0", "paths", Map.of())))
                .post("/api/v1/tools/http/openapi").then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("Swagger 2.0"));
        given().contentType(ContentType.JSON).body(Map.of("document", "openapi: 3.0.0"))
                .post("/api/v1/tools/http/openapi").then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("a string was sent"));
    }

    @Test
    void aToolAnAgentListsIsNotDeletedUnderIt() {
        declare(Map.of("name", "stock_level", "description", "Stock of an item", "method", "GET", "url", base + "/stock/{sku}",
                "parameters", Map.of("type", "object", "properties", Map.of("sku", Map.of("type", "string")))));
        String agent = agent("stock-agent", List.of("stock_level"));
        given().delete("/api/v1/tools/http/stock_level").then().statusCode(409).body("detail", org.hamcrest.Matchers.containsString("stock-agent"));
        given().delete("/api/v1/agents/" + agent).then().statusCode(204);
        given().delete("/api/v1/tools/http/stock_level").then().statusCode(204);
    }

    @Test
    void agentDefinitionsThatCouldNotWorkAsMeantAreRefused() {
        String otherTenantsSource = "0f0f0f0f-0000-4000-8000-000000000001";
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("name", "support bot!", "systemPrompt", "x"),
                Map.of("name", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "systemPrompt", "x"),
                Map.of("name", "hot-agent", "systemPrompt", "x", "temperature", 7),
                Map.of("name", "twice-agent", "systemPrompt", "x", "tools", List.of("recall", "recall")),
                Map.of("name", "nowhere-agent", "systemPrompt", "x", "sourceIds", List.of(otherTenantsSource)))) {
            given().contentType(ContentType.JSON).body(bad).post("/api/v1/agents").then().statusCode(400)
                    .contentType(org.hamcrest.Matchers.startsWith("application/problem+json"));
        }
    }

    void declare(Map<String, Object> body) {
        given().contentType(ContentType.JSON).body(body).post("/api/v1/tools/http").then().statusCode(201);
    }

    static String agent(String name, List<String> tools) {
        return given().contentType(ContentType.JSON).body(Map.of("name", name, "systemPrompt", "You help customers.", "tools", tools))
                .post("/api/v1/agents").then().statusCode(201).extract().path("id");
    }

    static String conversation(String agentId) {
        return given().contentType(ContentType.JSON).body(Map.of("agent", agentId, "endUserId", "shopper-1"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
    }
}
