package dev.lore.retail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.agent.Agent;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Loads a tau2-bench retail {@code db.json} into the {@code retail} tables, replacing what is there, in one
 * transaction (batched inserts: about 7,000 rows), and keeps the {@value #AGENT_NAME} agent whose system prompt is the
 * domain's {@code policy.md} (read from next to db.json). Runs at start-up when {@code lore.demo.retail.db} names a
 * db.json; without it, start-up only creates the agent when the tables already hold data.
 */
@ApplicationScoped
public class RetailImporter {

    private static final Logger LOG = Logger.getLogger(RetailImporter.class);

    /** Name of the customer-service agent over the retail tools. */
    public static final String AGENT_NAME = "retail-support";

    /** What an import loaded. */
    public record Result(int products, int variants, int users, int orders, String hash, String agent) {}

    @Inject DataSource ds;
    @Inject ObjectMapper json;
    @Inject RetailState state;
    @Inject RetailStore store;

    @ConfigProperty(name = "lore.demo.retail.db")
    Optional<String> startupDb;

    void onStart(@Observes StartupEvent event) {
        try {
            if (startupDb.isPresent() && !startupDb.get().isBlank()) {
                Result r = importFile(Path.of(startupDb.get()));
                LOG.infof("retail demo: imported %d users, %d orders, %d products from %s", r.users(), r.orders(), r.products(), startupDb.get());
            } else if (!store.isEmpty()) {
                String policy = storedPolicy();
                if (policy != null) QuarkusTransaction.requiringNew().run(() -> ensureAgent(policy));
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "retail demo: start-up import failed");
        }
    }

    /** Imports {@code dbJson} (and {@code policy.md} next to it, if present). */
    public Result importFile(Path dbJson) {
        JsonNode root;
        String policy = null;
        try {
            root = json.readTree(dbJson.toFile());
            Path p = dbJson.toAbsolutePath().resolveSibling("policy.md");
            if (Files.isRegularFile(p)) policy = Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dbJson + ": " + e.getMessage(), e);
        }
        Result r = QuarkusTransaction.requiringNew().call(() -> load(root));
        String policyText = policy;
        String agent = null;
        if (policyText != null) {
            QuarkusTransaction.requiringNew().run(() -> {
                savePolicy(policyText, dbJson.toString());
                ensureAgent(policyText);
            });
            agent = AGENT_NAME;
        }
        return new Result(r.products(), r.variants(), r.users(), r.orders(), state.hash(), agent);
    }

    /** Replaces the retail tables' content with {@code root} (db.json's shape), in the caller's transaction or a new one. */
    @Transactional
    public Result load(JsonNode root) {
        if (!root.path("products").isObject() || !root.path("users").isObject() || !root.path("orders").isObject()) {
            throw new IllegalArgumentException("not a tau2 retail db.json: products, users and orders objects expected");
        }
        int products = 0, variants = 0, users = 0, orders = 0;
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("TRUNCATE retail.payment, retail.fulfillment, retail.order_item, retail.orders, "
                    + "retail.payment_method, retail.customer, retail.variant, retail.product")) {
                st.execute();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO retail.product (product_id, name) VALUES (?, ?)");
                 PreparedStatement v = c.prepareStatement("INSERT INTO retail.variant (item_id, product_id, options, available, price) "
                         + "VALUES (?, ?, ?::jsonb, ?, ?)")) {
                for (JsonNode prod : values(root.get("products"))) {
                    String pid = prod.path("product_id").asText();
                    p.setString(1, pid);
                    p.setString(2, prod.path("name").asText());
                    p.addBatch();
                    products++;
                    for (JsonNode var : values(prod.path("variants"))) {
                        v.setString(1, var.path("item_id").asText());
                        v.setString(2, pid);
                        v.setString(3, var.path("options").toString());
                        v.setBoolean(4, var.path("available").asBoolean());
                        v.setDouble(5, var.path("price").asDouble());
                        v.addBatch();
                        variants++;
                    }
                }
                p.executeBatch();
                v.executeBatch();
            }
            try (PreparedStatement u = c.prepareStatement("INSERT INTO retail.customer (user_id, first_name, last_name, address1, address2, city, "
                    + "country, state, zip, email, order_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement m = c.prepareStatement("INSERT INTO retail.payment_method (user_id, id, source, brand, last_four, balance) "
                         + "VALUES (?, ?, ?, ?, ?, ?)")) {
                for (JsonNode user : values(root.get("users"))) {
                    String uid = user.path("user_id").asText();
                    u.setString(1, uid);
                    u.setString(2, user.path("name").path("first_name").asText());
                    u.setString(3, user.path("name").path("last_name").asText());
                    setAddress(u, 4, user.path("address"));
                    u.setString(10, user.path("email").asText());
                    u.setArray(11, RetailStore.textArray(c, texts(user.path("orders"))));
                    u.addBatch();
                    users++;
                    for (JsonNode pm : values(user.path("payment_methods"))) {
                        m.setString(1, uid);
                        m.setString(2, pm.path("id").asText());
                        m.setString(3, pm.path("source").asText());
                        m.setString(4, pm.hasNonNull("brand") ? pm.get("brand").asText() : null);
                        m.setString(5, pm.hasNonNull("last_four") ? pm.get("last_four").asText() : null);
                        if (pm.hasNonNull("balance")) m.setDouble(6, pm.get("balance").asDouble());
                        else m.setNull(6, java.sql.Types.DOUBLE);
                        m.addBatch();
                    }
                }
                u.executeBatch();
                m.executeBatch();
            }
            try (PreparedStatement o = c.prepareStatement("INSERT INTO retail.orders (order_id, user_id, address1, address2, city, country, state, "
                    + "zip, status, cancel_reason, exchange_items, exchange_new_items, exchange_payment_method_id, exchange_price_difference, "
                    + "return_items, return_payment_method_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement i = c.prepareStatement("INSERT INTO retail.order_item (order_id, position, item_id, product_id, name, price, options) "
                         + "VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)");
                 PreparedStatement f = c.prepareStatement("INSERT INTO retail.fulfillment (order_id, position, tracking_id, item_ids) VALUES (?, ?, ?, ?)");
                 PreparedStatement pay = c.prepareStatement("INSERT INTO retail.payment (order_id, position, transaction_type, amount, payment_method_id) "
                         + "VALUES (?, ?, ?, ?, ?)")) {
                for (JsonNode order : values(root.get("orders"))) {
                    String oid = order.path("order_id").asText();
                    o.setString(1, oid);
                    o.setString(2, order.path("user_id").asText());
                    setAddress(o, 3, order.path("address"));
                    o.setString(9, order.path("status").asText());
                    o.setString(10, text(order, "cancel_reason"));
                    o.setArray(11, order.hasNonNull("exchange_items") ? RetailStore.textArray(c, texts(order.get("exchange_items"))) : null);
                    o.setArray(12, order.hasNonNull("exchange_new_items") ? RetailStore.textArray(c, texts(order.get("exchange_new_items"))) : null);
                    o.setString(13, text(order, "exchange_payment_method_id"));
                    if (order.hasNonNull("exchange_price_difference")) o.setDouble(14, order.get("exchange_price_difference").asDouble());
                    else o.setNull(14, java.sql.Types.DOUBLE);
                    o.setArray(15, order.hasNonNull("return_items") ? RetailStore.textArray(c, texts(order.get("return_items"))) : null);
                    o.setString(16, text(order, "return_payment_method_id"));
                    o.addBatch();
                    orders++;
                    int n = 0;
                    for (JsonNode item : order.path("items")) {
                        i.setString(1, oid);
                        i.setInt(2, n++);
                        i.setString(3, item.path("item_id").asText());
                        i.setString(4, item.path("product_id").asText());
                        i.setString(5, item.path("name").asText());
                        i.setDouble(6, item.path("price").asDouble());
                        i.setString(7, item.path("options").toString());
                        i.addBatch();
                    }
                    n = 0;
                    for (JsonNode ful : order.path("fulfillments")) {
                        f.setString(1, oid);
                        f.setInt(2, n++);
                        f.setArray(3, RetailStore.textArray(c, texts(ful.path("tracking_id"))));
                        f.setArray(4, RetailStore.textArray(c, texts(ful.path("item_ids"))));
                        f.addBatch();
                    }
                    n = 0;
                    for (JsonNode p : order.path("payment_history")) {
                        pay.setString(1, oid);
                        pay.setInt(2, n++);
                        pay.setString(3, p.path("transaction_type").asText());
                        pay.setDouble(4, p.path("amount").asDouble());
                        pay.setString(5, p.path("payment_method_id").asText());
                        pay.addBatch();
                    }
                }
                o.executeBatch();
                i.executeBatch();
                f.executeBatch();
                pay.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("retail import failed: " + e.getMessage(), e);
        }
        return new Result(products, variants, users, orders, null, null);
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static void setAddress(PreparedStatement st, int first, JsonNode a) throws SQLException {
        for (int k = 0; k < 6; k++) st.setString(first + k, a.path(RetailStore.ADDRESS[k]).asText(""));
    }

    private static List<JsonNode> values(JsonNode object) {
        List<JsonNode> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) out.add(it.next().getValue());
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private void savePolicy(String policy, String sourcePath) {
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("INSERT INTO retail.meta (id, policy, source_path, imported_at) VALUES (1, ?, ?, now()) "
                     + "ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, source_path = excluded.source_path, imported_at = now()")) {
            st.setString(1, policy);
            st.setString(2, sourcePath);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String storedPolicy() {
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT policy FROM retail.meta WHERE id = 1");
             ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates or updates the {@value #AGENT_NAME} agent: the policy as its prompt, the 16 retail tools. Needs a transaction. */
    void ensureAgent(String policy) {
        Agent a = Agent.<Agent>find("tenantId = ?1 and name = ?2", "default", AGENT_NAME).firstResult();
        Instant now = Instant.now();
        if (a == null) {
            a = new Agent();
            a.id = UUID.randomUUID();
            a.tenantId = "default";
            a.name = AGENT_NAME;
            a.maxModelCalls = 12;
            a.maxToolCalls = 24;
            a.toolTimeoutMs = 10_000;
            a.turnTimeoutMs = 180_000;
            a.memoryTokens = 12_000;
            a.createdAt = now;
        }
        a.description = "Customer service for the tau2-bench retail store: orders, returns, exchanges, addresses";
        a.systemPrompt = policy;
        a.tools = RetailTools.NAMES.toArray(new String[0]);
        a.updatedAt = now;
        if (!a.isPersistent()) a.persist();
    }
}
