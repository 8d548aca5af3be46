package dev.lore.security;

import static dev.lore.support.Auth.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.agent.Agent;
import dev.lore.agent.AgentTool;
import dev.lore.agent.SearchKnowledgeTool;
import dev.lore.chat.Answer;
import dev.lore.chat.AnswerService;
import dev.lore.chat.Citation;
import dev.lore.embedding.EmbeddingService;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.support.ScriptedModelResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Property-based leak test: random tenants, users, groups and documents with random access lists, then at least
 * 10,000 random queries through search (all three modes), chat (citations, answer text and the prompt the model
 * receives) and the agent's {@code search_knowledge} tool, plus queries over HTTP as API-key identities. Every
 * document returned, cited or quoted must be readable by the caller according to the generator's own model of the
 * rules (same tenant; admin, or the access list names the user, one of their groups, or everyone); no text of any
 * other document may appear. Documents of every tenant share the same vocabulary, so cross-tenant matches exist.
 *
 * <p>The seed is printed; replay a failure with {@code LORE_LEAK_SEED=<seed> deploy/test.sh -Dtest=LeakPropertyTest}.
 */
@QuarkusTest
class LeakPropertyTest {

    static final int QUERIES = 10_000;
    static final int HTTP_QUERIES = 300;
    static final String[] TOPICS = {
        "travel expense reimbursement for conference trips", "parental leave and vacation days policy",
        "production database failover runbook", "quarterly sales pipeline forecast", "security incident response escalation",
        "onboarding checklist for new engineers", "office parking and visitor badges", "salary bands and promotion review",
        "customer refund approval limits", "laptop encryption and device loss", "vendor contract renewal terms",
        "board meeting minutes on the acquisition"};

    @Inject HybridRetriever retriever;
    @Inject AnswerService answers;
    @Inject SearchKnowledgeTool searchTool;
    @Inject EmbeddingService embeddings;
    @Inject AgroalDataSource dataSource;
    @Inject ApiKeys apiKeys;
    @Inject ObjectMapper json;
    @Inject dev.lore.agent.AgentService agentService;

    static final Map<String, dev.lore.chat.ChatSettings> SETTINGS = new HashMap<>();

    record Doc(UUID id, String tenant, String marker, String topic, Set<String> acl) {}

    static long seed;
    static Random random;
    static final List<String> TENANTS = new ArrayList<>();
    static final Map<String, List<String>> USERS = new HashMap<>();
    static final Map<String, Map<String, Set<String>>> GROUPS_OF = new HashMap<>(); // tenant -> user -> groups
    static final Map<UUID, Doc> DOCS = new HashMap<>();

    @BeforeEach
    void generate() throws Exception {
        if (random != null) return;
        String fromEnv = System.getenv("LORE_LEAK_SEED");
        seed = fromEnv != null ? Long.parseLong(fromEnv) : System.nanoTime();
        System.out.println("LeakPropertyTest seed=" + seed + " (replay: LORE_LEAK_SEED=" + seed + ")");
        random = new Random(seed);
        String run = Long.toString(Math.abs(seed % 1_000_000), 36);
        int tenants = 3 + random.nextInt(2);
        for (int t = 0; t < tenants; t++) {
            String tenant = "leak-" + run + "-" + t;
            TENANTS.add(tenant);
            int userCount = 4 + random.nextInt(5);
            int groupCount = 2 + random.nextInt(4);
            List<String> users = new ArrayList<>();
            Map<String, Set<String>> groupsOf = new HashMap<>();
            for (int u = 0; u < userCount; u++) {
                String user = "user" + u; // the same names in every tenant: names alone must not open another tenant
                users.add(user);
                Set<String> groups = new HashSet<>();
                for (int g = 0; g < groupCount; g++) if (random.nextDouble() < 0.35) groups.add("group" + g);
                groupsOf.put(user, groups);
            }
            USERS.put(tenant, users);
            GROUPS_OF.put(tenant, groupsOf);
            UUID source = UUID.randomUUID();
            Tenants.call(tenant, () -> {
                sql("INSERT INTO source (id, tenant_id, type, name, config) VALUES (?, ?, 'filesystem', ?, '{}'::jsonb)", source, tenant, "leak-" + source);
                return null;
            });
            int docCount = 25 + random.nextInt(20);
            List<String> texts = new ArrayList<>();
            List<Doc> docs = new ArrayList<>();
            for (int d = 0; d < docCount; d++) {
                String marker = "zq" + run + "x" + t + "x" + d + "k";
                String topic = TOPICS[random.nextInt(TOPICS.length)];
                Set<String> acl = randomAcl(users, groupCount);
                docs.add(new Doc(UUID.randomUUID(), tenant, marker, topic, acl));
                texts.add("Notes on " + topic + ". Reference " + marker + " describes the " + topic + " in detail for the team.");
            }
            List<float[]> vectors = embeddings.embedPassages(texts);
            Tenants.call(tenant, () -> {
                for (int d = 0; d < docs.size(); d++) {
                    Doc doc = docs.get(d);
                    String[] acl = doc.acl().toArray(String[]::new);
                    sql("INSERT INTO document (id, tenant_id, source_id, document_key, uri, title, content_type, language, content_hash, acl, connector_acl, chunk_count) "
                            + "VALUES (?, ?, ?, ?, ?, ?, 'text/plain', 'en', 'x', ?, ?, 1)", doc.id(), tenant, source, doc.marker() + ".txt",
                            "file:///leak/" + doc.marker() + ".txt", "Notes " + doc.marker(), acl, acl);
                    sql("INSERT INTO chunk (id, document_id, tenant_id, source_id, document_key, position, title, heading_path, uri, content_type, "
                            + "language, text, text_hash, embedding, acl) VALUES (?, ?, ?, ?, ?, 0, ?, '', ?, 'text/plain', 'en', ?, ?, ?::vector, ?)",
                            UUID.randomUUID(), doc.id(), tenant, source, doc.marker() + ".txt", "Notes " + doc.marker(),
                            "file:///leak/" + doc.marker() + ".txt", texts.get(d), "h" + doc.marker(), EmbeddingService.toPgVector(vectors.get(d)), acl);
                    DOCS.put(doc.id(), doc);
                }
                return null;
            });
        }
        System.out.printf("LeakPropertyTest: %d tenants, %d documents%n", TENANTS.size(), DOCS.size());
    }

    @Test
    void randomQueriesNeverReturnCiteOrQuoteWhatTheCallerMayNotRead() throws Exception {
        var model = ScriptedModelResource.server();
        model.reset();
        model.start();
        List<Doc> all = new ArrayList<>(DOCS.values());
        all.sort(java.util.Comparator.comparing(Doc::marker));
        int[] byChannel = new int[3];
        long returned = 0;
        for (int i = 0; i < QUERIES; i++) {
            Caller caller = randomCaller();
            String query = randomQuery(all);
            String context = "seed " + seed + ", query #" + i + " '" + query + "' as " + caller;
            int channel = random.nextInt(10) < 4 ? 0 : random.nextInt(10) < 5 ? 1 : 2;
            byChannel[channel]++;
            switch (channel) {
                case 0 -> {
                    SearchMode mode = SearchMode.values()[random.nextInt(SearchMode.values().length)];
                    List<SearchResult> results = retriever.search(query, 1 + random.nextInt(20), SearchFilters.NONE, mode, caller);
                    returned += results.size();
                    for (SearchResult r : results) {
                        assertPermitted(caller, r.documentId(), context);
                        assertNoForeignText(caller, r.text(), context);
                    }
                }
                case 1 -> {
                    model.clearRequests();
                    Answer a = answers.answer(query, SearchFilters.NONE,
                            SETTINGS.computeIfAbsent(caller.tenant(), t -> dev.lore.chat.ChatSettings.of(agentService.ensureDefault(t))), caller);
                    returned += a.citations().size();
                    for (Citation c : a.citations()) assertPermitted(caller, c.documentId(), context);
                    assertNoForeignText(caller, json.writeValueAsString(a), context);
                    for (var request : model.requests()) assertNoForeignText(caller, request.toString(), context + " (model prompt)");
                }
                default -> {
                    Agent agent = new Agent();
                    agent.name = "leak-test";
                    agent.tenantId = caller.tenant();
                    String result = searchTool.execute(new AgentTool.ToolContext(caller.tenant(), null, null, agent, caller),
                            json.createObjectNode().put("query", query).put("limit", 1 + random.nextInt(10)));
                    if (result.startsWith("[")  && !result.startsWith("[] ")) {
                        for (var node : json.readTree(result)) {
                            returned++;
                            UUID chunk = UUID.fromString(node.path("chunkId").asText());
                            assertPermitted(caller, documentOfChunk(chunk), context);
                        }
                    }
                    assertNoForeignText(caller, result, context);
                }
            }
        }
        System.out.printf("LeakPropertyTest: %d queries (search %d, chat %d, agent tool %d), %d results checked, no leak (seed %d)%n",
                QUERIES, byChannel[0], byChannel[1], byChannel[2], returned, seed);
        assertTrue(returned > QUERIES, "the queries must actually return results to prove anything: " + returned);
    }

    @Test
    void apiKeyIdentitiesOverHttpSeeOnlyTheirTenantAndGroups() {
        long returned = 0;
        List<Doc> all = new ArrayList<>(DOCS.values());
        all.sort(java.util.Comparator.comparing(Doc::marker));
        Map<String, ApiKeys.Created> keys = new HashMap<>();
        for (int i = 0; i < HTTP_QUERIES; i++) {
            String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
            List<String> groups = new ArrayList<>();
            for (int g = 0; g < 5; g++) if (random.nextDouble() < 0.3) groups.add("group" + g);
            List<String> roles = random.nextDouble() < 0.1 ? List.of(Caller.ADMIN) : List.of(Caller.USER);
            String name = tenant + "-" + roles + "-" + groups;
            ApiKeys.Created key = keys.computeIfAbsent(name, n -> apiKeys.create(tenant, "leak-" + UUID.randomUUID(), 100_000, roles, groups));
            Caller caller = key.info().caller();
            String query = randomQuery(all);
            List<String> ids = as(key.key()).contentType(ContentType.JSON).body(Map.of("query", query, "limit", 20))
                    .post("/api/v1/search").then().statusCode(200).extract().jsonPath().getList("results.documentId");
            for (String id : ids) {
                returned++;
                assertPermitted(caller, UUID.fromString(id), "seed " + seed + ", HTTP query '" + query + "' as " + caller);
            }
        }
        System.out.printf("LeakPropertyTest: %d HTTP queries as %d API-key identities, %d results checked (seed %d)%n",
                HTTP_QUERIES, keys.size(), returned, seed);
        assertTrue(returned > 0);
    }

    @Test
    void rowLevelSecurityIsASecondWall() throws Exception {
        String tenant = TENANTS.get(0);
        long own = DOCS.values().stream().filter(d -> d.tenant().equals(tenant)).count();
        // a query that forgets its tenant filter still sees only the connection's tenant
        assertEquals(own, Tenants.call(tenant, () -> count("SELECT count(*) FROM document WHERE document_key LIKE 'zq%'")));
        assertEquals(0L, Tenants.call(tenant, () -> count("SELECT count(*) FROM chunk WHERE tenant_id <> '" + tenant + "'")));
        // no tenant named: nothing at all
        assertEquals(0L, Tenants.call("", () -> count("SELECT count(*) FROM chunk")));
        assertEquals(0L, Tenants.call("", () -> count("SELECT count(*) FROM document")));
        // and no row can be written into another tenant
        SQLException e = assertThrows(SQLException.class, () -> Tenants.call(tenant, () -> {
            sql("UPDATE document SET tenant_id = 'someone-else' WHERE tenant_id = ?", tenant);
            return null;
        }));
        assertTrue(e.getMessage().contains("row-level security"), e.getMessage());
    }

    // --- the generator's model of the rules

    static Set<String> randomAcl(List<String> users, int groupCount) {
        Set<String> acl = new HashSet<>();
        double p = random.nextDouble();
        if (p < 0.15) return acl; // admins only
        if (p < 0.35) acl.add("*");
        int u = random.nextInt(3);
        for (int i = 0; i < u; i++) acl.add("u:" + users.get(random.nextInt(users.size())));
        int g = random.nextInt(3);
        for (int i = 0; i < g; i++) acl.add("g:group" + random.nextInt(groupCount));
        return acl;
    }

    static Caller randomCaller() {
        String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
        List<String> users = USERS.get(tenant);
        String user = random.nextDouble() < 0.05 ? "stranger" : users.get(random.nextInt(users.size()));
        Set<String> groups = GROUPS_OF.get(tenant).getOrDefault(user, Set.of());
        Set<String> roles = random.nextDouble() < 0.1 ? Set.of(Caller.ADMIN, Caller.USER) : Set.of(Caller.USER);
        return new Caller(tenant, user, groups, roles);
    }

    static String randomQuery(List<Doc> all) {
        double p = random.nextDouble();
        Doc d = all.get(random.nextInt(all.size()));
        if (p < 0.4) return d.marker(); // aims at one document, often another tenant's or a forbidden one
        if (p < 0.8) return TOPICS[random.nextInt(TOPICS.length)];
        return d.topic() + " " + d.marker() + " " + all.get(random.nextInt(all.size())).marker();
    }

    static boolean permitted(Caller caller, Doc doc) {
        if (!doc.tenant().equals(caller.tenant())) return false;
        if (caller.isAdmin()) return true;
        if (doc.acl().contains("*") || doc.acl().contains("u:" + caller.username())) return true;
        return caller.groups().stream().anyMatch(g -> doc.acl().contains("g:" + g));
    }

    static void assertPermitted(Caller caller, UUID documentId, String context) {
        Doc doc = DOCS.get(documentId);
        if (doc == null) {
            // a document of another test class: it lives in tenant "default", which the generator never uses
            fail("a document outside the generated tenants was returned: " + documentId + " — " + context);
        }
        if (!permitted(caller, doc)) fail("LEAK: " + doc + " returned — " + context);
    }

    /**
     * No text, title or link of a document the caller may not read: its chunk says "Reference &lt;marker&gt;", its
     * title "Notes &lt;marker&gt;", its link "/leak/&lt;marker&gt;" (a query may name a marker; it never says these).
     */
    static void assertNoForeignText(Caller caller, String text, String context) {
        if (text == null) return;
        for (Doc doc : DOCS.values()) {
            if (permitted(caller, doc)) continue;
            for (String pattern : List.of("Reference " + doc.marker(), "Notes " + doc.marker(), "/leak/" + doc.marker())) {
                if (text.contains(pattern)) fail("LEAK: '" + pattern + "' of " + doc + " appears — " + context + "\n" + text);
            }
        }
    }

    UUID documentOfChunk(UUID chunk) throws Exception {
        return Tenants.call(Tenants.ALL, () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT document_id FROM chunk WHERE id = ?")) {
                ps.setObject(1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getObject(1, UUID.class) : null;
                }
            }
        });
    }

    void sql(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
