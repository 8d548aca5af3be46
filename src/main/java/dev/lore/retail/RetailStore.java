package dev.lore.retail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.agent.AgentTool.ToolException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The retail domain's operations on the {@code retail} tables, with the semantics of tau2-bench's retail tools
 * ({@code src/tau2/domains/retail/tools.py}): the same checks in the same order, the same error messages, and the same
 * float arithmetic (money is {@code double precision}; tau2's {@code round(x, 2)} is reproduced exactly). Each write
 * runs in one transaction and locks the order (or user) row it changes; an error changes nothing.
 *
 * <p>Objects are returned as JSON in db.json's shape: an order carries its optional fields (cancel_reason,
 * exchange_*, return_*) only when set.
 */
@ApplicationScoped
public class RetailStore {

    static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Inject DataSource ds;
    @Inject ObjectMapper json;

    // ---------------------------------------------------------------- the aggregate an order write works on

    /** One line of an order. */
    static final class Item {
        String itemId, productId, name;
        double price;
        ObjectNode options;
        boolean changed;
    }

    /** One payment-history entry. */
    record Payment(String type, double amount, String paymentMethodId) {}

    /** A user's payment method. */
    static final class Method {
        String id, source, brand, lastFour;
        Double balance;
        boolean changed;

        boolean giftCard() {
            return "gift_card".equals(source);
        }
    }

    /** A variant of a product. */
    record Variant(String itemId, String productId, ObjectNode options, boolean available, double price) {}

    /** An order with its lines and payments, read inside the transaction that changes it. */
    static final class Order {
        String orderId, userId, status, cancelReason, exchangePaymentMethodId, returnPaymentMethodId;
        String[] address = new String[6];
        List<String> exchangeItems, exchangeNewItems, returnItems;
        Double exchangePriceDifference;
        final List<Item> items = new ArrayList<>();
        final List<Payment> payments = new ArrayList<>();
        final List<JsonNode> fulfillments = new ArrayList<>();
    }

    static final String[] ADDRESS = {"address1", "address2", "city", "country", "state", "zip"};

    /** Python's {@code round(x, 2)}: correctly rounded, ties to even, on the exact binary value. */
    public static double round2(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) return x;
        return new BigDecimal(x).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** tau2's {@code fold_for_match}: case- and diacritic-insensitive comparison form. */
    static String fold(String s) {
        if (s == null) return "";
        String d = Normalizer.normalize(s, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        return d.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- reads

    public boolean isEmpty() {
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement("SELECT count(*) FROM retail.customer");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1) == 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String findUserIdByNameZip(String first, String last, String zip) throws ToolException {
        String f = fold(first), l = fold(last);
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT user_id, first_name, last_name FROM retail.customer WHERE zip = ? ORDER BY user_id")) {
            st.setString(1, zip);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (fold(rs.getString(2)).equals(f) && fold(rs.getString(3)).equals(l)) return rs.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        throw new ToolException("User not found");
    }

    public String findUserIdByEmail(String email) throws ToolException {
        String wanted = fold(email);
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT user_id, email FROM retail.customer ORDER BY user_id");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) if (fold(rs.getString(2)).equals(wanted)) return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        throw new ToolException("User not found");
    }

    public ObjectNode orderDetails(String orderId) throws ToolException {
        try (Connection c = ds.getConnection()) {
            return orderJson(loadOrder(c, orderId, false));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode userDetails(String userId) throws ToolException {
        try (Connection c = ds.getConnection()) {
            ObjectNode u = userJson(c, userId);
            if (u == null) throw new ToolException("User not found");
            return u;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode productDetails(String productId) throws ToolException {
        try (Connection c = ds.getConnection()) {
            ObjectNode p = productJson(c, productId);
            if (p == null) throw new ToolException("Product not found");
            return p;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode itemDetails(String itemId) throws ToolException {
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT item_id, product_id, options::text, available, price FROM retail.variant WHERE item_id = ?")) {
            st.setString(1, itemId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new ToolException("Item not found");
                return variantJson(readVariant(rs));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code json.dumps({name: product_id}, sort_keys=True)} with Python's default separators. */
    public String listAllProductTypes() {
        TreeMap<String, String> byName = new TreeMap<>();
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT name, product_id FROM retail.product ORDER BY product_id");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) byName.put(rs.getString(1), rs.getString(2));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, String> e : byName.entrySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        return sb.append('}').toString();
    }

    private String quote(String s) {
        try {
            return json.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- writes (tau2 WRITE tools)

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode cancelPendingOrder(String orderId, String reason) throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!"pending".equals(order.status)) throw new ToolException("Non-pending order cannot be cancelled");
            if (!"no longer needed".equals(reason) && !"ordered by mistake".equals(reason)) throw new ToolException("Invalid reason");
            Map<String, Method> methods = methods(c, order.userId);
            List<Payment> refunds = new ArrayList<>();
            for (Payment p : order.payments) {
                refunds.add(new Payment("refund", p.amount(), p.paymentMethodId()));
                Method m = method(methods, order.userId, p.paymentMethodId());
                if (m.giftCard()) {
                    m.balance = round2(m.balance + p.amount());
                    m.changed = true;
                }
            }
            order.status = "cancelled";
            order.cancelReason = reason;
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.orders SET status = ?, cancel_reason = ? WHERE order_id = ?")) {
                st.setString(1, order.status);
                st.setString(2, order.cancelReason);
                st.setString(3, order.orderId);
                st.executeUpdate();
            }
            for (Payment r : refunds) appendPayment(c, order, r);
            saveBalances(c, order.userId, methods);
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode exchangeDeliveredOrderItems(String orderId, List<String> itemIds, List<String> newItemIds, String paymentMethodId)
            throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!"delivered".equals(order.status)) throw new ToolException("Non-delivered order cannot be exchanged");
            List<String> all = order.items.stream().map(i -> i.itemId).toList();
            for (String id : itemIds) {
                if (Collections.frequency(itemIds, id) > Collections.frequency(all, id)) throw new ToolException("Number of " + id + " not found.");
            }
            if (itemIds.size() != newItemIds.size()) throw new ToolException("The number of items to be exchanged should match.");
            double diff = 0;
            for (int k = 0; k < itemIds.size(); k++) {
                Item item = firstItem(order, itemIds.get(k));
                if (item == null) throw new ToolException("Item " + itemIds.get(k) + " not found");
                Variant v = variant(c, item.productId, newItemIds.get(k));
                if (!v.available()) throw new ToolException("New item " + newItemIds.get(k) + " not found or available");
                diff += v.price() - item.price;
            }
            diff = round2(diff);
            Map<String, Method> methods = methods(c, order.userId);
            Method m = method(methods, order.userId, paymentMethodId);
            if (m.giftCard() && m.balance < diff) throw new ToolException("Insufficient gift card balance to pay for the price difference");
            order.status = "exchange requested";
            order.exchangeItems = sorted(itemIds);
            order.exchangeNewItems = sorted(newItemIds);
            order.exchangePaymentMethodId = paymentMethodId;
            order.exchangePriceDifference = diff;
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.orders SET status = ?, exchange_items = ?, exchange_new_items = ?, "
                    + "exchange_payment_method_id = ?, exchange_price_difference = ? WHERE order_id = ?")) {
                st.setString(1, order.status);
                st.setArray(2, textArray(c, order.exchangeItems));
                st.setArray(3, textArray(c, order.exchangeNewItems));
                st.setString(4, paymentMethodId);
                st.setDouble(5, diff);
                st.setString(6, order.orderId);
                st.executeUpdate();
            }
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode modifyPendingOrderAddress(String orderId, String[] address) throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!order.status.contains("pending")) throw new ToolException("Non-pending order cannot be modified");
            order.address = address.clone();
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.orders SET address1 = ?, address2 = ?, city = ?, country = ?, "
                    + "state = ?, zip = ? WHERE order_id = ?")) {
                for (int k = 0; k < 6; k++) st.setString(k + 1, address[k]);
                st.setString(7, order.orderId);
                st.executeUpdate();
            }
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode modifyPendingOrderItems(String orderId, List<String> itemIds, List<String> newItemIds, String paymentMethodId)
            throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!"pending".equals(order.status)) throw new ToolException("Non-pending order cannot be modified");
            List<String> all = order.items.stream().map(i -> i.itemId).toList();
            for (String id : itemIds) {
                if (Collections.frequency(itemIds, id) > Collections.frequency(all, id)) throw new ToolException(id + " not found");
            }
            if (itemIds.size() != newItemIds.size()) throw new ToolException("The number of items to be exchanged should match");
            double diff = 0;
            for (int k = 0; k < itemIds.size(); k++) {
                if (itemIds.get(k).equals(newItemIds.get(k))) throw new ToolException("The new item id should be different from the old item id");
                Item item = firstItem(order, itemIds.get(k));
                if (item == null) throw new ToolException("Item " + itemIds.get(k) + " not found");
                Variant v = variant(c, item.productId, newItemIds.get(k));
                if (!v.available()) throw new ToolException("New item " + newItemIds.get(k) + " not found or available");
                diff += v.price() - item.price;
            }
            Map<String, Method> methods = methods(c, order.userId);
            Method m = method(methods, order.userId, paymentMethodId);
            if (m.giftCard() && m.balance < diff) throw new ToolException("Insufficient gift card balance to pay for the new item");
            appendPayment(c, order, new Payment(diff > 0 ? "payment" : "refund", Math.abs(diff), paymentMethodId));
            if (m.giftCard()) {
                m.balance = round2(m.balance - diff);
                m.changed = true;
            }
            for (int k = 0; k < itemIds.size(); k++) {
                Item item = firstItem(order, itemIds.get(k));
                if (item == null) throw new ToolException("Item " + itemIds.get(k) + " not found");
                Variant v = variant(c, item.productId, newItemIds.get(k));
                item.itemId = newItemIds.get(k);
                item.price = v.price();
                item.options = v.options().deepCopy();
                item.changed = true;
            }
            order.status = "pending (item modified)";
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.order_item SET item_id = ?, price = ?, options = ?::jsonb "
                    + "WHERE order_id = ? AND position = ?")) {
                for (int k = 0; k < order.items.size(); k++) {
                    Item it = order.items.get(k);
                    if (!it.changed) continue;
                    st.setString(1, it.itemId);
                    st.setDouble(2, it.price);
                    st.setString(3, it.options.toString());
                    st.setString(4, order.orderId);
                    st.setInt(5, k);
                    st.addBatch();
                }
                st.executeBatch();
            }
            updateStatus(c, order);
            saveBalances(c, order.userId, methods);
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode modifyPendingOrderPayment(String orderId, String paymentMethodId) throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!order.status.contains("pending")) throw new ToolException("Non-pending order cannot be modified");
            Map<String, Method> methods = methods(c, order.userId);
            Method m = method(methods, order.userId, paymentMethodId);
            if (order.payments.size() != 1 || !"payment".equals(order.payments.get(0).type())) {
                throw new ToolException("There should be exactly one payment for a pending order");
            }
            Payment first = order.payments.get(0);
            if (first.paymentMethodId().equals(paymentMethodId)) {
                throw new ToolException("The new payment method should be different from the current one");
            }
            double amount = first.amount();
            if (m.giftCard() && m.balance < amount) throw new ToolException("Insufficient gift card balance to pay for the order");
            // tau2 looks the old method up after changing the order; looked up first here so an error changes nothing
            Method old = method(methods, order.userId, first.paymentMethodId());
            appendPayment(c, order, new Payment("payment", amount, paymentMethodId));
            appendPayment(c, order, new Payment("refund", amount, first.paymentMethodId()));
            if (m.giftCard()) {
                m.balance = round2(m.balance - amount);
                m.changed = true;
            }
            if (old.giftCard()) {
                old.balance = round2(old.balance + amount);
                old.changed = true;
            }
            saveBalances(c, order.userId, methods);
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode modifyUserAddress(String userId, String[] address) throws ToolException {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM retail.customer WHERE user_id = ? FOR UPDATE")) {
                st.setString(1, userId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) throw new ToolException("User not found");
                }
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.customer SET address1 = ?, address2 = ?, city = ?, country = ?, "
                    + "state = ?, zip = ? WHERE user_id = ?")) {
                for (int k = 0; k < 6; k++) st.setString(k + 1, address[k]);
                st.setString(7, userId);
                st.executeUpdate();
            }
            return userJson(c, userId);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(rollbackOn = Exception.class)
    public ObjectNode returnDeliveredOrderItems(String orderId, List<String> itemIds, String paymentMethodId) throws ToolException {
        try (Connection c = ds.getConnection()) {
            Order order = loadOrder(c, orderId, true);
            if (!"delivered".equals(order.status)) throw new ToolException("Non-delivered order cannot be returned");
            Map<String, Method> methods = methods(c, order.userId);
            Method m = method(methods, order.userId, paymentMethodId);
            if (!m.giftCard() && (order.payments.isEmpty() || !paymentMethodId.equals(order.payments.get(0).paymentMethodId()))) {
                throw new ToolException("Payment method should be the original payment method");
            }
            List<String> all = order.items.stream().map(i -> i.itemId).toList();
            for (String id : itemIds) {
                if (Collections.frequency(itemIds, id) > Collections.frequency(all, id)) throw new ToolException("Some item not found");
            }
            order.status = "return requested";
            order.returnItems = sorted(itemIds);
            order.returnPaymentMethodId = paymentMethodId;
            try (PreparedStatement st = c.prepareStatement("UPDATE retail.orders SET status = ?, return_items = ?, return_payment_method_id = ? "
                    + "WHERE order_id = ?")) {
                st.setString(1, order.status);
                st.setArray(2, textArray(c, order.returnItems));
                st.setString(3, paymentMethodId);
                st.setString(4, order.orderId);
                st.executeUpdate();
            }
            return orderJson(order);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> sorted(List<String> ids) {
        List<String> s = new ArrayList<>(ids);
        Collections.sort(s);
        return s;
    }

    private static Item firstItem(Order order, String itemId) {
        for (Item i : order.items) if (i.itemId.equals(itemId)) return i;
        return null;
    }

    static Array textArray(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray(new String[0]));
    }

    static List<String> list(Array a) throws SQLException {
        if (a == null) return null;
        List<String> out = new ArrayList<>();
        Collections.addAll(out, (String[]) a.getArray());
        return out;
    }

    private void updateStatus(Connection c, Order order) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE retail.orders SET status = ? WHERE order_id = ?")) {
            st.setString(1, order.status);
            st.setString(2, order.orderId);
            st.executeUpdate();
        }
    }

    private void appendPayment(Connection c, Order order, Payment p) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO retail.payment (order_id, position, transaction_type, amount, payment_method_id) "
                + "VALUES (?, ?, ?, ?, ?)")) {
            st.setString(1, order.orderId);
            st.setInt(2, order.payments.size());
            st.setString(3, p.type());
            st.setDouble(4, p.amount());
            st.setString(5, p.paymentMethodId());
            st.executeUpdate();
        }
        order.payments.add(p);
    }

    /** tau2's {@code _get_payment_method}: the user must exist, then the method must be one of theirs. */
    private static Method method(Map<String, Method> methods, String userId, String id) throws ToolException {
        if (methods == null) throw new ToolException("User not found");
        Method m = methods.get(id);
        if (m == null) throw new ToolException("Payment method not found");
        return m;
    }

    /** The user's payment methods (locked), or null when the user does not exist. */
    private Map<String, Method> methods(Connection c, String userId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM retail.customer WHERE user_id = ?")) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return null;
            }
        }
        Map<String, Method> out = new TreeMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT id, source, brand, last_four, balance FROM retail.payment_method "
                + "WHERE user_id = ? FOR UPDATE")) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Method m = new Method();
                    m.id = rs.getString(1);
                    m.source = rs.getString(2);
                    m.brand = rs.getString(3);
                    m.lastFour = rs.getString(4);
                    double b = rs.getDouble(5);
                    m.balance = rs.wasNull() ? null : b;
                    out.put(m.id, m);
                }
            }
        }
        return out;
    }

    private void saveBalances(Connection c, String userId, Map<String, Method> methods) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE retail.payment_method SET balance = ? WHERE user_id = ? AND id = ?")) {
            for (Method m : methods.values()) {
                if (!m.changed) continue;
                st.setDouble(1, m.balance);
                st.setString(2, userId);
                st.setString(3, m.id);
                st.executeUpdate();
            }
        }
    }

    /** tau2's {@code _get_variant}. */
    private Variant variant(Connection c, String productId, String itemId) throws SQLException, ToolException {
        try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM retail.product WHERE product_id = ?")) {
            st.setString(1, productId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new ToolException("Product not found");
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT item_id, product_id, options::text, available, price FROM retail.variant "
                + "WHERE product_id = ? AND item_id = ?")) {
            st.setString(1, productId);
            st.setString(2, itemId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new ToolException("Variant not found");
                return readVariant(rs);
            }
        }
    }

    private Variant readVariant(ResultSet rs) throws SQLException {
        return new Variant(rs.getString(1), rs.getString(2), parseObject(rs.getString(3)), rs.getBoolean(4), rs.getDouble(5));
    }

    ObjectNode parseObject(String text) {
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The order with its lines, payments and fulfillments; {@code forUpdate} locks its row. */
    Order loadOrder(Connection c, String orderId, boolean forUpdate) throws SQLException, ToolException {
        Order o = new Order();
        try (PreparedStatement st = c.prepareStatement("SELECT order_id, user_id, address1, address2, city, country, state, zip, status, "
                + "cancel_reason, exchange_items, exchange_new_items, exchange_payment_method_id, exchange_price_difference, return_items, "
                + "return_payment_method_id FROM retail.orders WHERE order_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            st.setString(1, orderId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) throw new ToolException("Order not found");
                o.orderId = rs.getString(1);
                o.userId = rs.getString(2);
                for (int k = 0; k < 6; k++) o.address[k] = rs.getString(3 + k);
                o.status = rs.getString(9);
                o.cancelReason = rs.getString(10);
                o.exchangeItems = list(rs.getArray(11));
                o.exchangeNewItems = list(rs.getArray(12));
                o.exchangePaymentMethodId = rs.getString(13);
                double d = rs.getDouble(14);
                o.exchangePriceDifference = rs.wasNull() ? null : d;
                o.returnItems = list(rs.getArray(15));
                o.returnPaymentMethodId = rs.getString(16);
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT item_id, product_id, name, price, options::text FROM retail.order_item "
                + "WHERE order_id = ? ORDER BY position")) {
            st.setString(1, orderId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Item i = new Item();
                    i.itemId = rs.getString(1);
                    i.productId = rs.getString(2);
                    i.name = rs.getString(3);
                    i.price = rs.getDouble(4);
                    i.options = parseObject(rs.getString(5));
                    o.items.add(i);
                }
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT transaction_type, amount, payment_method_id FROM retail.payment "
                + "WHERE order_id = ? ORDER BY position")) {
            st.setString(1, orderId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) o.payments.add(new Payment(rs.getString(1), rs.getDouble(2), rs.getString(3)));
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT tracking_id, item_ids FROM retail.fulfillment WHERE order_id = ? ORDER BY position")) {
            st.setString(1, orderId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ObjectNode f = F.objectNode();
                    ArrayNode t = f.putArray("tracking_id");
                    list(rs.getArray(1)).forEach(t::add);
                    ArrayNode ids = f.putArray("item_ids");
                    list(rs.getArray(2)).forEach(ids::add);
                    o.fulfillments.add(f);
                }
            }
        }
        return o;
    }

    /** An order in db.json's shape. */
    static ObjectNode orderJson(Order o) {
        ObjectNode n = F.objectNode();
        n.put("order_id", o.orderId);
        n.put("user_id", o.userId);
        n.set("address", address(o.address));
        ArrayNode items = n.putArray("items");
        for (Item i : o.items) {
            items.addObject().put("name", i.name).put("product_id", i.productId).put("item_id", i.itemId).put("price", i.price)
                    .set("options", i.options.deepCopy());
        }
        n.put("status", o.status);
        ArrayNode ful = n.putArray("fulfillments");
        o.fulfillments.forEach(f -> ful.add(f.deepCopy()));
        ArrayNode pay = n.putArray("payment_history");
        for (Payment p : o.payments) {
            pay.addObject().put("transaction_type", p.type()).put("amount", p.amount()).put("payment_method_id", p.paymentMethodId());
        }
        if (o.cancelReason != null) n.put("cancel_reason", o.cancelReason);
        if (o.exchangeItems != null) n.set("exchange_items", strings(o.exchangeItems));
        if (o.exchangeNewItems != null) n.set("exchange_new_items", strings(o.exchangeNewItems));
        if (o.exchangePaymentMethodId != null) n.put("exchange_payment_method_id", o.exchangePaymentMethodId);
        if (o.exchangePriceDifference != null) n.put("exchange_price_difference", o.exchangePriceDifference);
        if (o.returnItems != null) n.set("return_items", strings(o.returnItems));
        if (o.returnPaymentMethodId != null) n.put("return_payment_method_id", o.returnPaymentMethodId);
        return n;
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode a = F.arrayNode();
        values.forEach(a::add);
        return a;
    }

    static ObjectNode address(String[] a) {
        ObjectNode n = F.objectNode();
        for (int k = 0; k < 6; k++) n.put(ADDRESS[k], a[k]);
        return n;
    }

    static ObjectNode variantJson(Variant v) {
        ObjectNode n = F.objectNode();
        n.put("item_id", v.itemId());
        n.set("options", v.options().deepCopy());
        n.put("available", v.available());
        n.put("price", v.price());
        return n;
    }

    ObjectNode productJson(Connection c, String productId) throws SQLException {
        ObjectNode p;
        try (PreparedStatement st = c.prepareStatement("SELECT name, product_id FROM retail.product WHERE product_id = ?")) {
            st.setString(1, productId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return null;
                p = F.objectNode().put("name", rs.getString(1)).put("product_id", rs.getString(2));
            }
        }
        ObjectNode variants = p.putObject("variants");
        try (PreparedStatement st = c.prepareStatement("SELECT item_id, product_id, options::text, available, price FROM retail.variant "
                + "WHERE product_id = ? ORDER BY item_id")) {
            st.setString(1, productId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Variant v = readVariant(rs);
                    variants.set(v.itemId(), variantJson(v));
                }
            }
        }
        return p;
    }

    ObjectNode userJson(Connection c, String userId) throws SQLException {
        ObjectNode u;
        try (PreparedStatement st = c.prepareStatement("SELECT user_id, first_name, last_name, address1, address2, city, country, state, zip, "
                + "email, order_ids FROM retail.customer WHERE user_id = ?")) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return null;
                u = F.objectNode().put("user_id", rs.getString(1));
                u.putObject("name").put("first_name", rs.getString(2)).put("last_name", rs.getString(3));
                String[] a = new String[6];
                for (int k = 0; k < 6; k++) a[k] = rs.getString(4 + k);
                u.set("address", address(a));
                u.put("email", rs.getString(10));
                u.putObject("payment_methods");
                u.set("orders", strings(list(rs.getArray(11))));
            }
        }
        ObjectNode pms = (ObjectNode) u.get("payment_methods");
        try (PreparedStatement st = c.prepareStatement("SELECT id, source, brand, last_four, balance FROM retail.payment_method "
                + "WHERE user_id = ? ORDER BY id")) {
            st.setString(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) pms.set(rs.getString(1), methodJson(rs));
            }
        }
        return u;
    }

    /** A payment method in db.json's shape from (id, source, brand, last_four, balance). */
    static ObjectNode methodJson(ResultSet rs) throws SQLException {
        ObjectNode m = F.objectNode().put("source", rs.getString(2)).put("id", rs.getString(1));
        if (rs.getString(3) != null) m.put("brand", rs.getString(3));
        if (rs.getString(4) != null) m.put("last_four", rs.getString(4));
        double b = rs.getDouble(5);
        if (!rs.wasNull()) m.put("balance", b);
        return m;
    }
}
