package dev.lore.retail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An independent in-memory reference of tau2-bench's retail tools ({@code src/tau2/domains/retail/tools.py}), a
 * line-by-line port operating on the db.json tree, for checking the SQL implementation. Like the Python, it mutates
 * the tree in place (so an error raised half-way leaves earlier changes, as tau2 does). Read tools only check that
 * what they read exists, since they change nothing.
 *
 * <p>{@code lastVariantQuirk}: one published version of tools.py (the one with {@code fold_for_match}) sets every
 * modified item's price and options from the variant of the LAST pair of {@code modify_pending_order_items} (the loop
 * variable left over from the validation loop); the other looks each item's own variant up. Lore follows the latter
 * (as the original tau-bench does); the quirk is only here to report which tasks the difference would affect.
 */
final class RetailReference {

    /** Python's ValueError. */
    static final class ValueError extends Exception {
        ValueError(String m) {
            super(m);
        }
    }

    private final ObjectNode db;
    private final boolean lastVariantQuirk;

    RetailReference(ObjectNode db, boolean lastVariantQuirk) {
        this.db = db;
        this.lastVariantQuirk = lastVariantQuirk;
    }

    ObjectNode db() {
        return db;
    }

    /** Runs one action; returns tau2's error message, or null when it succeeded. */
    String apply(String name, JsonNode a) {
        try {
            switch (name) {
                case "cancel_pending_order" -> cancel(s(a, "order_id"), s(a, "reason"));
                case "exchange_delivered_order_items" -> exchange(s(a, "order_id"), l(a, "item_ids"), l(a, "new_item_ids"), s(a, "payment_method_id"));
                case "modify_pending_order_address" -> order(s(a, "order_id"), true);
                case "modify_pending_order_items" -> modifyItems(s(a, "order_id"), l(a, "item_ids"), l(a, "new_item_ids"), s(a, "payment_method_id"));
                case "modify_pending_order_payment" -> modifyPayment(s(a, "order_id"), s(a, "payment_method_id"));
                case "modify_user_address" -> user(s(a, "user_id"));
                case "return_delivered_order_items" -> returnItems(s(a, "order_id"), l(a, "item_ids"), s(a, "payment_method_id"));
                case "get_order_details" -> getOrder(s(a, "order_id"));
                case "get_user_details" -> user(s(a, "user_id"));
                case "get_product_details" -> product(s(a, "product_id"));
                case "get_item_details" -> item(s(a, "item_id"));
                case "find_user_id_by_name_zip" -> findByNameZip(s(a, "first_name"), s(a, "last_name"), s(a, "zip"));
                case "find_user_id_by_email" -> findByEmail(s(a, "email"));
                case "calculate", "transfer_to_human_agents", "list_all_product_types" -> { }
                default -> throw new IllegalArgumentException("unknown tool " + name);
            }
            // the address writes, after their checks passed
            if (name.equals("modify_pending_order_address")) ((ObjectNode) db.get("orders").get(s(a, "order_id"))).set("address", address(a));
            if (name.equals("modify_user_address")) ((ObjectNode) db.get("users").get(s(a, "user_id"))).set("address", address(a));
            return null;
        } catch (ValueError e) {
            return e.getMessage();
        }
    }

    private static String s(JsonNode a, String f) {
        return a.path(f).asText("");
    }

    private static List<String> l(JsonNode a, String f) {
        List<String> out = new ArrayList<>();
        a.path(f).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static ObjectNode address(JsonNode a) {
        ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (String k : List.of("address1", "address2", "city", "state", "country", "zip")) n.put(k, s(a, k));
        return n;
    }

    static double round2(double x) {
        return new BigDecimal(x).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    // ---- tau2's private helpers

    private ObjectNode getOrder(String id) throws ValueError {
        JsonNode o = db.get("orders").get(id);
        if (o == null) throw new ValueError("Order not found");
        return (ObjectNode) o;
    }

    private ObjectNode order(String id, boolean pendingLoose) throws ValueError {
        ObjectNode o = getOrder(id);
        if (pendingLoose && !o.get("status").asText().contains("pending")) throw new ValueError("Non-pending order cannot be modified");
        return o;
    }

    private ObjectNode user(String id) throws ValueError {
        JsonNode u = db.get("users").get(id);
        if (u == null) throw new ValueError("User not found");
        return (ObjectNode) u;
    }

    private ObjectNode product(String id) throws ValueError {
        JsonNode p = db.get("products").get(id);
        if (p == null) throw new ValueError("Product not found");
        return (ObjectNode) p;
    }

    private ObjectNode item(String id) throws ValueError {
        for (JsonNode p : db.get("products")) if (p.get("variants").has(id)) return (ObjectNode) p.get("variants").get(id);
        throw new ValueError("Item not found");
    }

    private ObjectNode variant(String productId, String variantId) throws ValueError {
        ObjectNode p = product(productId);
        if (!p.get("variants").has(variantId)) throw new ValueError("Variant not found");
        return (ObjectNode) p.get("variants").get(variantId);
    }

    private ObjectNode paymentMethod(String userId, String pmId) throws ValueError {
        ObjectNode u = user(userId);
        if (!u.get("payment_methods").has(pmId)) throw new ValueError("Payment method not found");
        return (ObjectNode) u.get("payment_methods").get(pmId);
    }

    private static boolean giftCard(JsonNode pm) {
        return "gift_card".equals(pm.path("source").asText());
    }

    private static String foldName(String x) {
        return java.text.Normalizer.normalize(x, java.text.Normalizer.Form.NFKD).replaceAll("\\p{M}", "").toLowerCase(java.util.Locale.ROOT);
    }

    private void findByNameZip(String first, String last, String zip) throws ValueError {
        for (JsonNode u : db.get("users")) {
            if (foldName(u.get("name").get("first_name").asText()).equals(foldName(first))
                    && foldName(u.get("name").get("last_name").asText()).equals(foldName(last)) && u.get("address").get("zip").asText().equals(zip)) {
                return;
            }
        }
        throw new ValueError("User not found");
    }

    private void findByEmail(String email) throws ValueError {
        for (JsonNode u : db.get("users")) if (foldName(u.get("email").asText()).equals(foldName(email))) return;
        throw new ValueError("User not found");
    }

    private static List<String> itemIds(ObjectNode order) {
        List<String> out = new ArrayList<>();
        order.get("items").forEach(i -> out.add(i.get("item_id").asText()));
        return out;
    }

    private static ObjectNode firstItem(ObjectNode order, String itemId) {
        for (JsonNode i : order.get("items")) if (i.get("item_id").asText().equals(itemId)) return (ObjectNode) i;
        return null;
    }

    private static ObjectNode payment(String type, double amount, String pmId) {
        ObjectNode p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        p.put("transaction_type", type).put("amount", amount).put("payment_method_id", pmId);
        return p;
    }

    private static ArrayNode sortedArray(ObjectNode host, List<String> ids) {
        List<String> s = new ArrayList<>(ids);
        Collections.sort(s);
        ArrayNode a = host.arrayNode();
        s.forEach(a::add);
        return a;
    }

    // ---- the WRITE tools

    private void cancel(String orderId, String reason) throws ValueError {
        ObjectNode order = getOrder(orderId);
        if (!order.get("status").asText().equals("pending")) throw new ValueError("Non-pending order cannot be cancelled");
        if (!reason.equals("no longer needed") && !reason.equals("ordered by mistake")) throw new ValueError("Invalid reason");
        List<ObjectNode> refunds = new ArrayList<>();
        for (JsonNode p : order.get("payment_history")) {
            String pmId = p.get("payment_method_id").asText();
            refunds.add(payment("refund", p.get("amount").asDouble(), pmId));
            ObjectNode u = user(order.get("user_id").asText());
            ObjectNode pm = paymentMethod(u.get("user_id").asText(), pmId);
            if (giftCard(pm)) {
                double b = pm.get("balance").asDouble() + p.get("amount").asDouble();
                pm.put("balance", round2(b));
            }
        }
        order.put("status", "cancelled");
        order.put("cancel_reason", reason);
        ArrayNode hist = (ArrayNode) order.get("payment_history");
        refunds.forEach(hist::add);
    }

    private void exchange(String orderId, List<String> ids, List<String> newIds, String pmId) throws ValueError {
        ObjectNode order = getOrder(orderId);
        if (!order.get("status").asText().equals("delivered")) throw new ValueError("Non-delivered order cannot be exchanged");
        List<String> all = itemIds(order);
        for (String id : ids) if (Collections.frequency(ids, id) > Collections.frequency(all, id)) throw new ValueError("Number of " + id + " not found.");
        if (ids.size() != newIds.size()) throw new ValueError("The number of items to be exchanged should match.");
        double diff = 0;
        for (int k = 0; k < ids.size(); k++) {
            ObjectNode item = firstItem(order, ids.get(k));
            if (item == null) throw new ValueError("Item " + ids.get(k) + " not found");
            ObjectNode v = variant(item.get("product_id").asText(), newIds.get(k));
            if (!v.get("available").asBoolean()) throw new ValueError("New item " + newIds.get(k) + " not found or available");
            diff += v.get("price").asDouble() - item.get("price").asDouble();
        }
        diff = round2(diff);
        ObjectNode pm = paymentMethod(order.get("user_id").asText(), pmId);
        if (giftCard(pm) && pm.get("balance").asDouble() < diff) throw new ValueError("Insufficient gift card balance to pay for the price difference");
        order.put("status", "exchange requested");
        order.set("exchange_items", sortedArray(order, ids));
        order.set("exchange_new_items", sortedArray(order, newIds));
        order.put("exchange_payment_method_id", pmId);
        order.put("exchange_price_difference", diff);
    }

    private void modifyItems(String orderId, List<String> ids, List<String> newIds, String pmId) throws ValueError {
        ObjectNode order = getOrder(orderId);
        if (!order.get("status").asText().equals("pending")) throw new ValueError("Non-pending order cannot be modified");
        List<String> all = itemIds(order);
        for (String id : ids) if (Collections.frequency(ids, id) > Collections.frequency(all, id)) throw new ValueError(id + " not found");
        if (ids.size() != newIds.size()) throw new ValueError("The number of items to be exchanged should match");
        double diff = 0;
        ObjectNode variant = null;
        for (int k = 0; k < ids.size(); k++) {
            if (ids.get(k).equals(newIds.get(k))) throw new ValueError("The new item id should be different from the old item id");
            ObjectNode item = firstItem(order, ids.get(k));
            if (item == null) throw new ValueError("Item " + ids.get(k) + " not found");
            variant = variant(item.get("product_id").asText(), newIds.get(k));
            if (!variant.get("available").asBoolean()) throw new ValueError("New item " + newIds.get(k) + " not found or available");
            diff += variant.get("price").asDouble() - item.get("price").asDouble();
        }
        ObjectNode pm = paymentMethod(order.get("user_id").asText(), pmId);
        if (giftCard(pm) && pm.get("balance").asDouble() < diff) throw new ValueError("Insufficient gift card balance to pay for the new item");
        ((ArrayNode) order.get("payment_history")).add(payment(diff > 0 ? "payment" : "refund", Math.abs(diff), pmId));
        if (giftCard(pm)) pm.put("balance", round2(pm.get("balance").asDouble() - diff));
        for (int k = 0; k < ids.size(); k++) {
            ObjectNode item = firstItem(order, ids.get(k));
            if (item == null) throw new ValueError("Item " + ids.get(k) + " not found");
            ObjectNode v = lastVariantQuirk ? variant : variant(item.get("product_id").asText(), newIds.get(k));
            item.put("item_id", newIds.get(k));
            item.put("price", v.get("price").asDouble());
            item.set("options", v.get("options").deepCopy());
        }
        order.put("status", "pending (item modified)");
    }

    private void modifyPayment(String orderId, String pmId) throws ValueError {
        ObjectNode order = getOrder(orderId);
        if (!order.get("status").asText().contains("pending")) throw new ValueError("Non-pending order cannot be modified");
        ObjectNode pm = paymentMethod(order.get("user_id").asText(), pmId);
        ArrayNode hist = (ArrayNode) order.get("payment_history");
        if (hist.size() != 1 || !hist.get(0).get("transaction_type").asText().equals("payment")) {
            throw new ValueError("There should be exactly one payment for a pending order");
        }
        if (hist.get(0).get("payment_method_id").asText().equals(pmId)) throw new ValueError("The new payment method should be different from the current one");
        double amount = hist.get(0).get("amount").asDouble();
        if (giftCard(pm) && pm.get("balance").asDouble() < amount) throw new ValueError("Insufficient gift card balance to pay for the order");
        String oldId = hist.get(0).get("payment_method_id").asText();
        hist.add(payment("payment", amount, pmId));
        hist.add(payment("refund", amount, oldId));
        if (giftCard(pm)) pm.put("balance", round2(pm.get("balance").asDouble() - amount));
        ObjectNode old = paymentMethod(order.get("user_id").asText(), oldId);
        if (giftCard(old)) old.put("balance", round2(old.get("balance").asDouble() + amount));
    }

    private void returnItems(String orderId, List<String> ids, String pmId) throws ValueError {
        ObjectNode order = getOrder(orderId);
        if (!order.get("status").asText().equals("delivered")) throw new ValueError("Non-delivered order cannot be returned");
        ObjectNode u = user(order.get("user_id").asText());
        ObjectNode pm = paymentMethod(u.get("user_id").asText(), pmId);
        if (!giftCard(pm) && !pmId.equals(order.get("payment_history").get(0).get("payment_method_id").asText())) {
            throw new ValueError("Payment method should be the original payment method");
        }
        List<String> all = itemIds(order);
        for (String id : ids) if (Collections.frequency(ids, id) > Collections.frequency(all, id)) throw new ValueError("Some item not found");
        order.put("status", "return requested");
        order.set("return_items", sortedArray(order, ids));
        order.put("return_payment_method_id", pmId);
    }
}
