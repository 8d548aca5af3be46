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
        Columns product = new Columns(2), variant = new Columns(5), customer = new Columns(11), method = new Columns(6);
        Columns order = new Columns(16), item = new Columns(7), fulfillment = new Columns(4), payment = new Columns(5);
        for (JsonNode prod : values(root.get("products"))) {
            String pid = prod.path("product_id").asText();
            product.row(pid, prod.path("name").asText());
            for (JsonNode var : values(prod.path("variants"))) {
                variant.row(var.path("item_id").asText(), pid, var.path("options").toString(), var.path("available").asBoolean(),
                        var.path("price").asDouble());
            }
        }
        for (JsonNode user : values(root.get("users"))) {
            String uid = user.path("user_id").asText();
            JsonNode a = user.path("address");
            customer.row(uid, user.path("name").path("first_name").asText(), user.path("name").path("last_name").asText(),
                    addr(a, 0), addr(a, 1), addr(a, 2), addr(a, 3), addr(a, 4), addr(a, 5), user.path("email").asText(),
                    user.path("orders").toString());
            for (JsonNode pm : values(user.path("payment_methods"))) {
                method.row(uid, pm.path("id").asText(), pm.path("source").asText(), text(pm, "brand"), text(pm, "last_four"),
                        pm.hasNonNull("balance") ? pm.get("balance").asDouble() : null);
            }
        }
        for (JsonNode o : values(root.get("orders"))) {
            String oid = o.path("order_id").asText();
            JsonNode a = o.path("address");
            order.row(oid, o.path("user_id").asText(), addr(a, 0), addr(a, 1), addr(a, 2), addr(a, 3), addr(a, 4), addr(a, 5),
                    o.path("status").asText(), text(o, "cancel_reason"), jsonText(o, "exchange_items"), jsonText(o, "exchange_new_items"),
                    text(o, "exchange_payment_method_id"),
                    o.hasNonNull("exchange_price_difference") ? o.get("exchange_price_difference").asDouble() : null,
                    jsonText(o, "return_items"), text(o, "return_payment_method_id"));
            int n = 0;
            for (JsonNode i : o.path("items")) {
                item.row(oid, n++, i.path("item_id").asText(), i.path("product_id").asText(), i.path("name").asText(),
                        i.path("price").asDouble(), i.path("options").toString());
            }
            n = 0;
            for (JsonNode f : o.path("fulfillments")) fulfillment.row(oid, n++, f.path("tracking_id").toString(), f.path("item_ids").toString());
            n = 0;
            for (JsonNode p : o.path("payment_history")) {
                payment.row(oid, n++, p.path("transaction_type").asText(), p.path("amount").asDouble(), p.path("payment_method_id").asText());
            }
        }
        try (Connection c = ds.getConnection()) {
            // DELETE rather than TRUNCATE: readers keep seeing the old data until this transaction commits
            for (String table : List.of("payment", "fulfillment", "order_item", "orders", "payment_method", "customer", "variant", "product")) {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM retail." + table)) {
                    st.executeUpdate();
                }
            }
            // one INSERT ... SELECT FROM unnest(arrays) per table; list-valued columns travel as JSON text
            insert(c, "INSERT INTO retail.product (product_id, name) SELECT * FROM unnest(?::text[], ?::text[])", product, "text", "text");
            insert(c, "INSERT INTO retail.variant (item_id, product_id, options, available, price) SELECT a, b, c::jsonb, d, e "
                    + "FROM unnest(?::text[], ?::text[], ?::text[], ?::bool[], ?::float8[]) AS t(a, b, c, d, e)", variant,
                    "text", "text", "text", "bool", "float8");
            insert(c, "INSERT INTO retail.customer (user_id, first_name, last_name, address1, address2, city, country, state, zip, email, "
                    + "order_ids) SELECT a, b, c, d, e, f, g, h, i, j, " + TEXTS.formatted("k") + " FROM unnest(?::text[], ?::text[], "
                    + "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                    + "AS t(a, b, c, d, e, f, g, h, i, j, k)", customer,
                    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text");
            insert(c, "INSERT INTO retail.payment_method (user_id, id, source, brand, last_four, balance) "
                    + "SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::float8[])", method,
                    "text", "text", "text", "text", "text", "float8");
            insert(c, "INSERT INTO retail.orders (order_id, user_id, address1, address2, city, country, state, zip, status, cancel_reason, "
                    + "exchange_items, exchange_new_items, exchange_payment_method_id, exchange_price_difference, return_items, "
                    + "return_payment_method_id) SELECT a, b, c, d, e, f, g, h, i, j, " + TEXTS.formatted("k") + ", " + TEXTS.formatted("l")
                    + ", m, n, " + TEXTS.formatted("o") + ", p FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], "
                    + "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::text[]) "
                    + "AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)", order,
                    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "float8",
                    "text", "text");
            insert(c, "INSERT INTO retail.order_item (order_id, position, item_id, product_id, name, price, options) "
                    + "SELECT a, b, c, d, e, f, g::jsonb FROM unnest(?::text[], ?::int4[], ?::text[], ?::text[], ?::text[], ?::float8[], "
                    + "?::text[]) AS t(a, b, c, d, e, f, g)", item, "text", "int4", "text", "text", "text", "float8", "text");
            insert(c, "INSERT INTO retail.fulfillment (order_id, position, tracking_id, item_ids) SELECT a, b, " + TEXTS.formatted("c") + ", "
                    + TEXTS.formatted("d") + " FROM unnest(?::text[], ?::int4[], ?::text[], ?::text[]) AS t(a, b, c, d)", fulfillment,
                    "text", "int4", "text", "text");
            insert(c, "INSERT INTO retail.payment (order_id, position, transaction_type, amount, payment_method_id) "
                    + "SELECT * FROM unnest(?::text[], ?::int4[], ?::text[], ?::float8[], ?::text[])", payment,
                    "text", "int4", "text", "float8", "text");
        } catch (SQLException e) {
            throw new IllegalStateException("retail import failed: " + e.getMessage(), e);
        }
        int products = product.size(), variants = variant.size(), users = customer.size(), orders = order.size();
        return new Result(products, variants, users, orders, null, null);
    }

    /** A JSON array of strings (as text) to text[]; null stays null. */
    private static final String TEXTS = "CASE WHEN %1$s IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(%1$s::jsonb)) END";

    /** Column-wise rows for one unnest insert. */
    private static final class Columns {
        final List<List<Object>> cols = new ArrayList<>();

        Columns(int n) {
            for (int k = 0; k < n; k++) cols.add(new ArrayList<>());
        }

        void row(Object... values) {
            for (int k = 0; k < values.length; k++) cols.get(k).add(values[k]);
        }

        int size() {
            return cols.get(0).size();
        }
    }

    private static void insert(Connection c, String sql, Columns rows, String... types) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int k = 0; k < types.length; k++) {
                Object[] arr = switch (types[k]) {
                    case "float8" -> rows.cols.get(k).toArray(new Double[0]);
                    case "int4" -> rows.cols.get(k).toArray(new Integer[0]);
                    case "bool" -> rows.cols.get(k).toArray(new Boolean[0]);
                    default -> rows.cols.get(k).toArray(new String[0]);
                };
                st.setArray(k + 1, c.createArrayOf(types[k], arr));
            }
            st.executeUpdate();
        }
    }

    private static String addr(JsonNode a, int k) {
        return a.path(RetailStore.ADDRESS[k]).asText("");
    }

    private static String jsonText(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).toString() : null;
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static List<JsonNode> values(JsonNode object) {
        List<JsonNode> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) out.add(it.next().getValue());
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
