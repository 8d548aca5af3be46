package dev.lore.retail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.agent.AgentTool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 16 tools of the tau2-bench retail domain, one {@link AgentTool} bean each, over {@link RetailStore}. Names,
 * descriptions and parameter schemas come from {@code retail/tools.schema.json} (tau2's own, MIT); a tool is read-only
 * unless tau2 tags it WRITE. Errors carry tau2's messages.
 */
public final class RetailTools {

    private RetailTools() {}

    /** The tool names, as tau2 lists them. */
    public static final List<String> NAMES = List.of("calculate", "cancel_pending_order", "exchange_delivered_order_items",
            "find_user_id_by_name_zip", "find_user_id_by_email", "get_order_details", "get_product_details", "get_item_details",
            "get_user_details", "list_all_product_types", "modify_pending_order_address", "modify_pending_order_items",
            "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items", "transfer_to_human_agents");

    private static final Map<String, JsonNode> SPECS = loadSpecs();

    private static Map<String, JsonNode> loadSpecs() {
        try (InputStream in = RetailTools.class.getResourceAsStream("/retail/tools.schema.json")) {
            if (in == null) throw new IllegalStateException("retail/tools.schema.json is missing from the classpath");
            Map<String, JsonNode> out = new LinkedHashMap<>();
            for (JsonNode t : new ObjectMapper().readTree(in)) out.put(t.path("function").path("name").asText(), t);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Base of the retail tools: the spec from tools.schema.json. */
    public abstract static class RetailTool implements AgentTool {

        @Inject RetailStore store;

        @org.eclipse.microprofile.config.inject.ConfigProperty(name = "lore.security.default-tenant", defaultValue = "default")
        String demoTenant;

        /** The retail demo's tables are not per tenant: only the default tenant's agents may use them. */
        @Override
        public boolean availableTo(String tenant) {
            return demoTenant.equals(tenant);
        }

        private JsonNode spec() {
            JsonNode s = SPECS.get(name());
            if (s == null) throw new IllegalStateException("no schema for retail tool " + name());
            return s;
        }

        @Override
        public String description() {
            return spec().path("function").path("description").asText();
        }

        @Override
        public JsonNode parameters() {
            return spec().path("function").path("parameters").deepCopy();
        }

        @Override
        public boolean readOnly() {
            return !"WRITE".equals(spec().path("tool_type").asText());
        }

        static String text(JsonNode args, String field) {
            JsonNode v = args == null ? null : args.get(field);
            return v == null || v.isNull() ? "" : v.asText();
        }

        static List<String> texts(JsonNode args, String field) {
            List<String> out = new ArrayList<>();
            JsonNode v = args == null ? null : args.get(field);
            if (v != null && v.isArray()) v.forEach(n -> out.add(n.asText()));
            return out;
        }

        /** address1, address2, city, country, state, zip (the store's order) from the arguments. */
        static String[] address(JsonNode args) {
            String[] a = new String[6];
            for (int k = 0; k < 6; k++) a[k] = text(args, RetailStore.ADDRESS[k]);
            return a;
        }
    }

    @ApplicationScoped
    public static class Calculate extends RetailTool {
        @Override
        public String name() {
            return "calculate";
        }

        @Override
        public String execute(ToolContext context, JsonNode arguments) throws ToolException {
            return RetailCalculator.calculate(text(arguments, "expression"));
        }
    }

    @ApplicationScoped
    public static class CancelPendingOrder extends RetailTool {
        @Override
        public String name() {
            return "cancel_pending_order";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.cancelPendingOrder(text(a, "order_id"), text(a, "reason")).toString();
        }
    }

    @ApplicationScoped
    public static class ExchangeDeliveredOrderItems extends RetailTool {
        @Override
        public String name() {
            return "exchange_delivered_order_items";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.exchangeDeliveredOrderItems(text(a, "order_id"), texts(a, "item_ids"), texts(a, "new_item_ids"),
                    text(a, "payment_method_id")).toString();
        }
    }

    @ApplicationScoped
    public static class FindUserIdByNameZip extends RetailTool {
        @Override
        public String name() {
            return "find_user_id_by_name_zip";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.findUserIdByNameZip(text(a, "first_name"), text(a, "last_name"), text(a, "zip"));
        }
    }

    @ApplicationScoped
    public static class FindUserIdByEmail extends RetailTool {
        @Override
        public String name() {
            return "find_user_id_by_email";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.findUserIdByEmail(text(a, "email"));
        }
    }

    @ApplicationScoped
    public static class GetOrderDetails extends RetailTool {
        @Override
        public String name() {
            return "get_order_details";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.orderDetails(text(a, "order_id")).toString();
        }
    }

    @ApplicationScoped
    public static class GetProductDetails extends RetailTool {
        @Override
        public String name() {
            return "get_product_details";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.productDetails(text(a, "product_id")).toString();
        }
    }

    @ApplicationScoped
    public static class GetItemDetails extends RetailTool {
        @Override
        public String name() {
            return "get_item_details";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.itemDetails(text(a, "item_id")).toString();
        }
    }

    @ApplicationScoped
    public static class GetUserDetails extends RetailTool {
        @Override
        public String name() {
            return "get_user_details";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.userDetails(text(a, "user_id")).toString();
        }
    }

    @ApplicationScoped
    public static class ListAllProductTypes extends RetailTool {
        @Override
        public String name() {
            return "list_all_product_types";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) {
            return store.listAllProductTypes();
        }
    }

    @ApplicationScoped
    public static class ModifyPendingOrderAddress extends RetailTool {
        @Override
        public String name() {
            return "modify_pending_order_address";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.modifyPendingOrderAddress(text(a, "order_id"), address(a)).toString();
        }
    }

    @ApplicationScoped
    public static class ModifyPendingOrderItems extends RetailTool {
        @Override
        public String name() {
            return "modify_pending_order_items";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.modifyPendingOrderItems(text(a, "order_id"), texts(a, "item_ids"), texts(a, "new_item_ids"),
                    text(a, "payment_method_id")).toString();
        }
    }

    @ApplicationScoped
    public static class ModifyPendingOrderPayment extends RetailTool {
        @Override
        public String name() {
            return "modify_pending_order_payment";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.modifyPendingOrderPayment(text(a, "order_id"), text(a, "payment_method_id")).toString();
        }
    }

    @ApplicationScoped
    public static class ModifyUserAddress extends RetailTool {
        @Override
        public String name() {
            return "modify_user_address";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.modifyUserAddress(text(a, "user_id"), address(a)).toString();
        }
    }

    @ApplicationScoped
    public static class ReturnDeliveredOrderItems extends RetailTool {
        @Override
        public String name() {
            return "return_delivered_order_items";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) throws ToolException {
            return store.returnDeliveredOrderItems(text(a, "order_id"), texts(a, "item_ids"), text(a, "payment_method_id")).toString();
        }
    }

    @ApplicationScoped
    public static class TransferToHumanAgents extends RetailTool {
        @Override
        public String name() {
            return "transfer_to_human_agents";
        }

        @Override
        public String execute(ToolContext context, JsonNode a) {
            return "Transfer successful";
        }
    }
}
