package dev.lore.security;

import static dev.lore.support.Auth.anonymous;
import static dev.lore.support.Auth.as;
import static dev.lore.support.Auth.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.ScriptedOpenAiServer.Step;
import dev.lore.support.ScriptedModelResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Permission-aware retrieval with real Keycloak tokens (realm {@code lore}: tenant acme with alice (admin), carol
 * (curator), bob (engineering), erin (sales); tenant globex with dave (admin), frank (staff)).
 *
 * <p>Alice indexes a folder whose subfolders carry access rule files: {@code public/} everyone, {@code eng/} group
 * engineering, {@code sales/} group sales, {@code private/} user bob, {@code board/} no rule (admins only). Each file
 * holds a unique marker word, so a leak shows up as that word in a response. Also the public bug patterns: a connector
 * update without access fields, a member removed from a group, a deleted document, another tenant's ids.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessControlTest {

    static final Map<String, String> MARKER = Map.of(
            "public/handbook.md", "quillback",
            "eng/design.md", "brindlewort",
            "sales/pipeline.md", "saffronet",
            "private/bob-notes.md", "tumblequay",
            "board/minutes.md", "marrowfen");

    static String sourceId;
    static Path folder;

    @BeforeEach
    void setUp() throws IOException {
        if (sourceId != null) return;
        folder = Files.createTempDirectory("lore-acl");
        for (var e : MARKER.entrySet()) {
            Path f = folder.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, "# " + e.getValue() + " notes\n\nThe " + e.getValue() + " project keeps its plans in this page. "
                    + "Only the people allowed to read " + e.getValue() + " should ever see this sentence about " + e.getValue() + ".\n");
        }
        Files.writeString(folder.resolve("public/.lore-acl.json"), "{\"everyone\": true}");
        Files.writeString(folder.resolve("eng/.lore-acl.json"), "{\"groups\": [\"engineering\"]}");
        Files.writeString(folder.resolve("sales/.lore-acl.json"), "{\"groups\": [\"sales\"]}");
        Files.writeString(folder.resolve("private/.lore-acl.json"), "{\"users\": [\"bob\"]}");
        String alice = token("alice");
        sourceId = as(alice).contentType(ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", "acl-test-" + System.nanoTime(), "config", Map.of("path", folder.toString())))
                .post("/api/v1/sources").then().statusCode(201).extract().path("id");
        String runId = as(alice).post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id");
        awaitRun(alice, runId);
    }

    @Test
    @Order(1)
    void everythingUnderApiNeedsAnIdentityExceptHealthAndOpenApi() {
        anonymous().contentType(ContentType.JSON).body(Map.of("query", "quillback")).post("/api/v1/search").then().statusCode(401);
        anonymous().get("/api/v1/sources").then().statusCode(401);
        as("not-a-token").get("/api/v1/agents").then().statusCode(401);
        anonymous().get("/q/health/live").then().statusCode(200);
        anonymous().get("/q/openapi").then().statusCode(200);
        // roles: a plain user cannot manage sources, API keys or people
        String bob = token("bob");
        as(bob).get("/api/v1/sources").then().statusCode(403);
        as(bob).get("/api/v1/api-keys").then().statusCode(403);
        as(bob).get("/api/v1/admin/users").then().statusCode(403);
        as(token("carol")).get("/api/v1/sources").then().statusCode(200);
    }

    @Test
    @Order(2)
    void eachUserFindsExactlyWhatTheirAccessListsAllow() {
        assertEquals(Set.of("public/handbook.md", "eng/design.md", "private/bob-notes.md"), visible("bob"));
        assertEquals(Set.of("public/handbook.md", "sales/pipeline.md"), visible("erin"));
        assertEquals(Set.of("public/handbook.md"), visible("carol"));
        assertEquals(MARKER.keySet(), visible("alice"));
        assertEquals(Set.of(), visible("frank"), "another tenant's user sees nothing");
        assertEquals(Set.of(), visible("dave"), "another tenant's admin sees nothing");
    }

    @Test
    @Order(3)
    void chatCitesAndQuotesOnlyReadableDocumentsAndTheModelNeverSeesTheOthers() {
        var model = ScriptedModelResource.server();
        model.reset();
        model.start();
        model.clearRequests();
        String body = as(token("erin")).contentType(ContentType.JSON).body(Map.of("message", "what are the brindlewort and marrowfen plans?"))
                .post("/api/v1/chat").then().statusCode(200).extract().asString();
        for (String forbidden : List.of("brindlewort project", "marrowfen project", "tumblequay")) {
            assertFalse(body.contains(forbidden), "chat response leaks " + forbidden + ": " + body);
        }
        for (var request : model.requests()) {
            String sent = request.toString();
            assertFalse(sent.contains("brindlewort project") || sent.contains("marrowfen project"), "the model was sent a forbidden chunk: " + sent);
        }
    }

    @Test
    @Order(4)
    void theAgentsSearchToolReadsWithTheCallersAccess() {
        var model = ScriptedModelResource.server();
        model.reset();
        model.start();
        String erin = token("erin");
        String conv = as(erin).contentType(ContentType.JSON).body(Map.of()).post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        model.enqueue(Step.message("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"k1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"search_knowledge\",\"arguments\":\"{\\\"query\\\":\\\"brindlewort plans marrowfen\\\"}\"}}]}", "tool_calls"),
                Step.answer("Done."));
        JsonPath reply = as(erin).contentType(ContentType.JSON).body(Map.of("message", "find the brindlewort plans"))
                .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().jsonPath();
        String result = reply.getString("toolCalls[0].result");
        assertFalse(result.contains("brindlewort project") || result.contains("marrowfen project"), result);
        // the conversation is erin's: bob (same tenant, not admin) and dave (other tenant) get 404
        as(token("bob")).get("/api/v1/conversations/" + conv + "/messages").then().statusCode(404);
        as(token("dave")).get("/api/v1/conversations/" + conv).then().statusCode(404);
        as(token("alice")).get("/api/v1/conversations/" + conv + "/messages").then().statusCode(200);
        model.reset();
        model.start();
    }

    @Test
    @Order(5)
    void anotherTenantsIdsGive404NeverData() {
        String dave = token("dave");
        String handbook = documentId("public/handbook.md");
        as(dave).get("/api/v1/documents/" + handbook).then().statusCode(404);
        as(dave).get("/api/v1/documents/" + handbook + "/chunks").then().statusCode(404);
        as(dave).get("/api/v1/sources/" + sourceId).then().statusCode(404);
        as(dave).get("/api/v1/sources/" + sourceId + "/runs").then().statusCode(404);
        as(dave).delete("/api/v1/documents/" + handbook).then().statusCode(404);
        as(dave).contentType(ContentType.JSON).body(Map.of("everyone", true)).put("/api/v1/sources/" + sourceId + "/acl").then().statusCode(404);
        // a readable id of the same tenant without access is a 404 as well
        as(token("erin")).get("/api/v1/documents/" + documentId("eng/design.md")).then().statusCode(404);
        as(token("bob")).get("/api/v1/documents/" + documentId("eng/design.md")).then().statusCode(200);
    }

    @Test
    @Order(6)
    void aConnectorUpdateWithoutAccessFieldsNeitherWipesNorWidensAccess() throws IOException {
        // the folder loses its rule file and its document changes: the connector now says nothing about access
        Files.delete(folder.resolve("eng/.lore-acl.json"));
        Files.writeString(folder.resolve("eng/design.md"), "# brindlewort notes\n\nThe brindlewort project changed its plans today.\n");
        resync();
        assertTrue(visible("bob").contains("eng/design.md"), "not wiped: engineering still reads it");
        assertFalse(visible("erin").contains("eng/design.md"), "not widened: sales still does not");
        // a changed rule on an unchanged document applies at the next sync
        Files.writeString(folder.resolve("sales/.lore-acl.json"), "{\"groups\": [\"sales\", \"engineering\"]}");
        resync();
        assertTrue(visible("bob").contains("sales/pipeline.md"));
    }

    @Test
    @Order(7)
    void aUserRemovedFromAGroupLosesAccessOnTheVeryNextQuery() {
        String alice = token("alice");
        String bobToken = token("bob"); // issued while bob is in engineering; still valid for minutes
        String bobId = as(alice).queryParam("search", "bob").get("/api/v1/admin/users").then().statusCode(200).extract().path("find { it.username == 'bob' }.id");
        String eng = as(alice).get("/api/v1/admin/groups").then().statusCode(200).extract().path("find { it.name == 'engineering' }.id");
        assertTrue(search(bobToken, "brindlewort").contains("eng/design.md"));
        as(alice).delete("/api/v1/admin/groups/" + eng + "/members/" + bobId).then().statusCode(204);
        try {
            assertFalse(search(bobToken, "brindlewort").contains("eng/design.md"), "same token, next query: access gone");
        } finally {
            as(alice).put("/api/v1/admin/groups/" + eng + "/members/" + bobId).then().statusCode(204);
        }
        assertTrue(search(bobToken, "brindlewort").contains("eng/design.md"), "re-added: back on the next query");
    }

    @Test
    @Order(8)
    void aChangedAccessListAppliesToTheNextRequestAndSurvivesSyncs() {
        String alice = token("alice");
        String pipeline = documentId("sales/pipeline.md");
        as(alice).contentType(ContentType.JSON).body(Map.of("users", List.of("carol"))).put("/api/v1/documents/" + pipeline + "/acl")
                .then().statusCode(200);
        assertTrue(visible("carol").contains("sales/pipeline.md"));
        assertFalse(visible("erin").contains("sales/pipeline.md"));
        resync(); // the folder's rule file says sales + engineering; the admin's pinned list wins
        assertFalse(visible("erin").contains("sales/pipeline.md"));
        // a source override reaches every unpinned document at once, including the admins-only one
        as(alice).contentType(ContentType.JSON).body(Map.of("everyone", true)).put("/api/v1/sources/" + sourceId + "/acl").then().statusCode(200);
        assertTrue(visible("frank").isEmpty(), "an override never crosses tenants");
        assertTrue(visible("erin").contains("board/minutes.md"));
        assertFalse(visible("erin").contains("sales/pipeline.md"), "pinned");
        as(alice).delete("/api/v1/sources/" + sourceId + "/acl").then().statusCode(200);
        // cleared: every unpinned document is back to what its connector said (nothing said: admins only)
        assertFalse(visible("erin").contains("board/minutes.md"));
        assertEquals(Set.of("eng/design.md", "private/bob-notes.md", "public/handbook.md"), visible("bob"));
    }

    @Test
    @Order(9)
    void aDeletedDocumentIsGoneFromEveryAnswerAtOnce() {
        String alice = token("alice");
        String handbook = documentId("public/handbook.md");
        assertTrue(search(alice, "quillback").contains("public/handbook.md"));
        as(alice).delete("/api/v1/documents/" + handbook).then().statusCode(204);
        assertFalse(search(alice, "quillback").contains("public/handbook.md"));
        String chat = as(alice).contentType(ContentType.JSON).body(Map.of("message", "quillback")).post("/api/v1/chat").then().statusCode(200)
                .extract().asString();
        assertFalse(chat.contains("quillback project"), chat);
        as(alice).get("/api/v1/documents/" + handbook).then().statusCode(404);
    }

    @Test
    @Order(10)
    void apiKeysAreServiceIdentitiesOfTheirTenantWithTheirOwnGroups() {
        String alice = token("alice");
        String key = as(alice).contentType(ContentType.JSON)
                .body(Map.of("name", "eng-bot", "groups", List.of("engineering"), "ratePerMinute", 1000))
                .post("/api/v1/api-keys").then().statusCode(201).extract().path("key");
        Set<String> seen = search(key, "saffronet brindlewort tumblequay");
        assertTrue(seen.contains("eng/design.md"), String.valueOf(seen));
        assertFalse(seen.contains("private/bob-notes.md"), String.valueOf(seen));
        assertFalse(seen.contains("sales/pipeline.md"), "pinned to carol: " + seen);
        // the key is shown once: never in lists
        String listed = as(alice).get("/api/v1/api-keys").then().statusCode(200).extract().asString();
        assertFalse(listed.contains(key));
        // another tenant's admin does not see it
        assertFalse(as(token("dave")).get("/api/v1/api-keys").then().statusCode(200).extract().asString().contains("eng-bot"));
    }

    @Test
    @Order(11)
    void httpToolsAndTheirSecretsBelongToOneTenant() {
        Map<String, Object> tool = Map.of("name", "orders_lookup", "description", "look up an order", "method", "GET",
                "url", "https://orders.acme.example/api/orders/{orderId}",
                "parameters", Map.of("type", "object", "properties", Map.of("orderId", Map.of("type", "string")), "required", List.of("orderId")),
                "authHeader", "Authorization", "authSecret", "orders-token");
        String alice = token("alice");
        String dave = token("dave");
        as(alice).contentType(ContentType.JSON).body(tool).post("/api/v1/tools/http").then().statusCode(201);
        assertFalse(as(dave).get("/api/v1/tools/http").then().statusCode(200).extract().asString().contains("orders_lookup"));
        assertFalse(as(token("frank")).get("/api/v1/agents/tools").then().statusCode(200).extract().asString().contains("orders_lookup"));
        as(dave).delete("/api/v1/tools/http/orders_lookup").then().statusCode(404);
        // the same name in another tenant is another tool; neither overwrites the other
        as(dave).contentType(ContentType.JSON).body(Map.of("name", "orders_lookup", "description", "globex orders", "method", "GET",
                "url", "https://orders.globex.example/{orderId}", "parameters", tool.get("parameters"))).post("/api/v1/tools/http").then().statusCode(201);
        assertTrue(as(alice).get("/api/v1/tools/http").then().extract().asString().contains("orders.acme.example"));
        // another tenant's agent cannot be given it, nor the retail demo's tools
        as(dave).contentType(ContentType.JSON).body(Map.of("name", "thief", "systemPrompt", "x", "tools", List.of("get_user_details")))
                .post("/api/v1/agents").then().statusCode(400);
    }

    @Test
    @Order(12)
    void onlyAdminsDecideAccessAndSourcesStayInsideTheirRoots() throws IOException {
        String carol = token("carol");
        as(carol).contentType(ContentType.JSON).body(Map.of("type", "filesystem", "name", "widen-" + System.nanoTime(),
                "config", Map.of("path", folder.toString(), "acl", Map.of("everyone", true)))).post("/api/v1/sources").then().statusCode(403);
        as(token("alice")).contentType(ContentType.JSON).body(Map.of("type", "filesystem", "name", "etc-" + System.nanoTime(),
                "config", Map.of("path", "/etc"))).post("/api/v1/sources").then().statusCode(400);
        // a source rooted below a restricting rule file still obeys it, whatever its own config.acl says
        Path hr = folder.resolve("hr/payroll");
        Files.createDirectories(hr);
        Files.writeString(folder.resolve("hr/.lore-acl.json"), "{}");
        Files.writeString(hr.resolve("salaries.md"), "# pomelofax salaries\n\nThe pomelofax salary table is for admins only.\n");
        String alice = token("alice");
        String sub = as(alice).contentType(ContentType.JSON).body(Map.of("type", "filesystem", "name", "payroll-" + System.nanoTime(),
                "config", Map.of("path", hr.toString(), "acl", Map.of("everyone", true)))).post("/api/v1/sources").then().statusCode(201).extract().path("id");
        String run = as(alice).post("/api/v1/sources/" + sub + "/sync").then().statusCode(202).extract().path("id");
        for (int i = 0; i < 300 && "running".equals(as(alice).get("/api/v1/sources/" + sub + "/runs/" + run).then().extract().path("status")); i++) sleep();
        List<String> bobSees = as(token("bob")).contentType(ContentType.JSON).body(Map.of("query", "pomelofax salaries", "filters", Map.of("sourceIds", List.of(sub))))
                .post("/api/v1/search").then().statusCode(200).extract().jsonPath().getList("results.documentKey");
        assertTrue(bobSees.isEmpty(), String.valueOf(bobSees));
    }

    @Test
    @Order(13)
    void brokenRulesAndLinksFailClosed() throws IOException {
        // a link in a public folder to an admins-only file takes the target's rule, not the link's
        Files.createDirectories(folder.resolve("links"));
        Files.writeString(folder.resolve("links/.lore-acl.json"), "{\"everyone\": true}");
        Files.createSymbolicLink(folder.resolve("links/minutes.md"), folder.resolve("board/minutes.md"));
        // a rule file that breaks restricts what it covers (it was engineering-only, bob could read)
        Files.writeString(folder.resolve("private/.lore-acl.json"), "{\"users\": [\"bob\"],}");
        Files.writeString(folder.resolve("public/.lore-acl.json"), "null");
        resync();
        Set<String> bob = visible("bob");
        assertFalse(bob.contains("private/bob-notes.md"), "a broken rule restricts: " + bob);
        String links = String.join(",", search(token("bob"), "marrowfen"));
        assertFalse(links.contains("links/minutes.md"), links);
    }

    @Test
    @Order(14)
    void peopleTalkAsThemselvesAndOnlyOwnersContinueAConversation() {
        String bob = token("bob");
        as(bob).contentType(ContentType.JSON).body(Map.of("endUserId", "erin")).post("/api/v1/conversations").then().statusCode(403);
        String conv = as(bob).contentType(ContentType.JSON).body(Map.of()).post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        as(token("alice")).contentType(ContentType.JSON).body(Map.of("message", "hello")).post("/api/v1/conversations/" + conv + "/messages")
                .then().statusCode(403);
        as(bob).get("/api/v1/end-users/erin/memories").then().statusCode(404);
        as(bob).get("/api/v1/end-users/bob/memories").then().statusCode(200);
    }

    @Test
    @Order(15)
    void aRoleTakenAwayIsGoneOnTheNextRequest() {
        String alice = token("alice");
        String carolId = as(alice).queryParam("search", "carol").get("/api/v1/admin/users").then().statusCode(200).extract().path("find { it.username == 'carol' }.id");
        String carol = token("carol");
        as(carol).get("/api/v1/sources").then().statusCode(200);
        as(alice).delete("/api/v1/admin/users/" + carolId + "/roles/curator").then().statusCode(204);
        try {
            as(carol).get("/api/v1/sources").then().statusCode(403);
        } finally {
            as(alice).put("/api/v1/admin/users/" + carolId + "/roles/curator").then().statusCode(204);
        }
        as(carol).get("/api/v1/sources").then().statusCode(200);
    }

    static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- helpers

    /** The documents {@code user} finds when searching for every marker. */
    static Set<String> visible(String user) {
        String t = token(user);
        Set<String> out = new TreeSet<>();
        for (String m : MARKER.values()) {
            for (String key : search(t, m)) {
                if (MARKER.containsKey(key) && MARKER.get(key).equals(m)) out.add(key);
            }
        }
        return out;
    }

    static Set<String> search(String bearer, String query) {
        List<String> keys = as(bearer).contentType(ContentType.JSON).body(Map.of("query", query, "limit", 20, "filters", Map.of("sourceIds", List.of(sourceId))))
                .post("/api/v1/search").then().statusCode(200).extract().jsonPath().getList("results.documentKey");
        return new TreeSet<>(keys);
    }

    static String documentId(String key) {
        return as(token("alice")).queryParam("sourceId", sourceId).queryParam("q", key).get("/api/v1/documents")
                .then().statusCode(200).extract().path("find { it.key == '" + key + "' }.id");
    }

    static void resync() {
        String alice = token("alice");
        String runId = as(alice).post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id");
        awaitRun(alice, runId);
    }

    static void awaitRun(String bearer, String runId) {
        for (int i = 0; i < 600; i++) {
            String status = as(bearer).get("/api/v1/sources/" + sourceId + "/runs/" + runId).then().statusCode(200).extract().path("status");
            if (!"running".equals(status)) {
                assertEquals("succeeded", status);
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("sync did not finish");
    }
}
