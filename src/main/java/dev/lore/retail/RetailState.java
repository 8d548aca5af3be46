package dev.lore.retail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The whole retail database as one JSON document in db.json's shape ({@code {"products","users","orders"}}), and its
 * canonical form (keys sorted at every level, compact) with a SHA-256 hash: two states are equal exactly when their
 * hashes are. An order carries its optional fields (cancel_reason, exchange_*, return_*) only when set.
 */
@ApplicationScoped
public class RetailState {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Inject DataSource ds;
    @Inject RetailStore store;

    /** The database's current state, read in one snapshot. */
    public ObjectNode dump() {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement iso = c.prepareStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
                iso.execute();
                return dump(c);
            } finally {
                c.rollback();
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 (hex) of the database's canonical JSON. */
    public String hash() {
        return hash(dump());
    }

    private ObjectNode dump(Connection c) throws SQLException {
        ObjectNode root = F.objectNode();
        ObjectNode products = root.putObject("products");
        try (PreparedStatement st = c.prepareStatement("SELECT product_id, name FROM retail.product ORDER BY product_id"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ObjectNode p = products.putObject(rs.getString(1));
                p.put("name", rs.getString(2)).put("product_id", rs.getString(1));
                p.putObject("variants");
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT item_id, product_id, options::text, available, price FROM retail.variant ORDER BY item_id");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ObjectNode v = ((ObjectNode) products.get(rs.getString(2)).get("variants")).putObject(rs.getString(1));
                v.put("item_id", rs.getString(1));
                v.set("options", store.parseObject(rs.getString(3)));
                v.put("available", rs.getBoolean(4));
                v.put("price", rs.getDouble(5));
            }
        }
        ObjectNode users = root.putObject("users");
        try (PreparedStatement st = c.prepareStatement("SELECT user_id, first_name, last_name, address1, address2, city, country, state, zip, "
                + "email, order_ids FROM retail.customer ORDER BY user_id"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ObjectNode u = users.putObject(rs.getString(1));
                u.put("user_id", rs.getString(1));
                u.putObject("name").put("first_name", rs.getString(2)).put("last_name", rs.getString(3));
                String[] a = new String[6];
                for (int k = 0; k < 6; k++) a[k] = rs.getString(4 + k);
                u.set("address", RetailStore.address(a));
                u.put("email", rs.getString(10));
                u.putObject("payment_methods");
                u.set("orders", RetailStore.strings(RetailStore.list(rs.getArray(11))));
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT id, source, brand, last_four, balance, user_id FROM retail.payment_method "
                + "ORDER BY user_id, id"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ((ObjectNode) users.get(rs.getString(6)).get("payment_methods")).set(rs.getString(1), RetailStore.methodJson(rs));
            }
        }
        ObjectNode orders = root.putObject("orders");
        Map<String, RetailStore.Order> byId = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT order_id, user_id, address1, address2, city, country, state, zip, status, "
                + "cancel_reason, exchange_items, exchange_new_items, exchange_payment_method_id, exchange_price_difference, return_items, "
                + "return_payment_method_id FROM retail.orders"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                RetailStore.Order o = new RetailStore.Order();
                o.orderId = rs.getString(1);
                o.userId = rs.getString(2);
                for (int k = 0; k < 6; k++) o.address[k] = rs.getString(3 + k);
                o.status = rs.getString(9);
                o.cancelReason = rs.getString(10);
                o.exchangeItems = RetailStore.list(rs.getArray(11));
                o.exchangeNewItems = RetailStore.list(rs.getArray(12));
                o.exchangePaymentMethodId = rs.getString(13);
                double d = rs.getDouble(14);
                o.exchangePriceDifference = rs.wasNull() ? null : d;
                o.returnItems = RetailStore.list(rs.getArray(15));
                o.returnPaymentMethodId = rs.getString(16);
                byId.put(o.orderId, o);
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT order_id, item_id, product_id, name, price, options::text FROM retail.order_item "
                + "ORDER BY order_id, position"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                RetailStore.Item i = new RetailStore.Item();
                i.itemId = rs.getString(2);
                i.productId = rs.getString(3);
                i.name = rs.getString(4);
                i.price = rs.getDouble(5);
                i.options = store.parseObject(rs.getString(6));
                byId.get(rs.getString(1)).items.add(i);
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT order_id, transaction_type, amount, payment_method_id FROM retail.payment "
                + "ORDER BY order_id, position"); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                byId.get(rs.getString(1)).payments.add(new RetailStore.Payment(rs.getString(2), rs.getDouble(3), rs.getString(4)));
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT order_id, tracking_id, item_ids FROM retail.fulfillment ORDER BY order_id, position");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                ObjectNode f = F.objectNode();
                f.set("tracking_id", RetailStore.strings(RetailStore.list(rs.getArray(2))));
                f.set("item_ids", RetailStore.strings(RetailStore.list(rs.getArray(3))));
                byId.get(rs.getString(1)).fulfillments.add(f);
            }
        }
        for (RetailStore.Order o : byId.values()) orders.set(o.orderId, RetailStore.orderJson(o));
        return root;
    }

    /** The canonical text of a JSON value: object keys sorted at every level, no whitespace. */
    public static String canonical(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(sorted(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 (hex) of {@link #canonical(JsonNode)}. */
    public static String hash(JsonNode node) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical(node).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode out = F.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(n -> items.add(sorted(n)));
            ArrayNode out = F.arrayNode();
            items.forEach(out::add);
            return out;
        }
        return node;
    }
}
