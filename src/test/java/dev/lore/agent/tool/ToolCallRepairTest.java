package dev.lore.agent.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One test per way a local model gets tool calls wrong, each fed as the full OpenAI {@code chat.completion} body the
 * server returned. Where the wire text needs JSON-in-JSON escaping, the test first checks what the model actually
 * wrote ({@code function.arguments} decoded once), so the fixture is what it claims to be.
 */
class ToolCallRepairTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOOLS = Set.of("get_weather", "search_docs", "create_ticket");
    private final ToolCallRepair repair = new ToolCallRepair();

    /** A {@code chat.completion} body whose {@code choices[0].message} is {@code message} (raw JSON). */
    private static JsonNode completion(String message) {
        String body = """
                {"id":"chatcmpl-9x2","object":"chat.completion","created":1767225600,"model":"qwen2.5-7b-instruct",
                 "choices":[{"index":0,"message":%s,"logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":212,"completion_tokens":31,"total_tokens":243}}
                """.formatted(message);
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("bad fixture: " + body, e);
        }
    }

    /** A {@code chat.completion} whose message has one {@code tool_calls} entry with this raw {@code arguments} JSON. */
    private static JsonNode toolCallCompletion(String name, String argumentsJson) {
        return completion("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_8f2Kq","type":"function",
                 "function":{"name":"%s","arguments":%s}}]}""".formatted(name, argumentsJson));
    }

    private static String wireArguments(JsonNode completion) {
        return completion.at("/choices/0/message/tool_calls/0/function/arguments").asText();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertRepair(RepairedToolCalls r, String fragment) {
        assertTrue(r.repairs().stream().anyMatch(s -> s.contains(fragment)),
                () -> "expected a repair mentioning \"" + fragment + "\" in " + r.repairs());
    }

    @Test
    void cleanCallNeedsNoRepair() {
        JsonNode body = toolCallCompletion("get_weather", "\"{\\\"city\\\": \\\"Paris\\\", \\\"unit\\\": \\\"celsius\\\"}\"");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertTrue(r.clean(), () -> r.repairs().toString());
        assertEquals(List.of(new ToolCall("call_8f2Kq", "get_weather", json("{\"city\":\"Paris\",\"unit\":\"celsius\"}"))),
                r.calls());
    }

    @Test
    void unescapedInnerQuotesAreEscaped() {
        JsonNode body = toolCallCompletion("search_docs", "\"{\\\"query\\\": \\\"the \\\"best\\\" plan\\\", \\\"limit\\\": 5}\"");
        assertEquals("{\"query\": \"the \"best\" plan\", \"limit\": 5}", wireArguments(body));
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of(), r.errors());
        assertEquals("the \"best\" plan", r.calls().getFirst().arguments().path("query").asText());
        assertEquals(5, r.calls().getFirst().arguments().path("limit").asInt());
        assertRepair(r, "escaped 2 unescaped double quote(s)");
    }

    @Test
    void unescapedQuotesFollowedByCommaInsideAString() {
        JsonNode body = toolCallCompletion("create_ticket",
                "\"{\\\"title\\\": \\\"Login says \\\"denied\\\", then hangs\\\", \\\"priority\\\": \\\"high\\\"}\"");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of(), r.errors());
        assertEquals("Login says \"denied\", then hangs", r.calls().getFirst().arguments().path("title").asText());
        assertEquals("high", r.calls().getFirst().arguments().path("priority").asText());
    }

    @Test
    void trailingTextAfterTheObjectIsDropped() {
        JsonNode body = toolCallCompletion("get_weather", "\"{\\\"city\\\": \\\"Paris\\\"} Let me know if you need anything else!\"");
        assertEquals("{\"city\": \"Paris\"} Let me know if you need anything else!", wireArguments(body));
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(json("{\"city\":\"Paris\"}"), r.calls().getFirst().arguments());
        assertRepair(r, "dropped text after the JSON value: \"Let me know if you need anything else!\"");
    }

    @Test
    void repeatedArgumentsObjectIsDroppedButTwoDifferentObjectsAreRefused() {
        RepairedToolCalls repeated = repair.fromCompletion(
                toolCallCompletion("get_weather", "\"{\\\"city\\\": \\\"Paris\\\"}{\\\"city\\\": \\\"Paris\\\"}\""), TOOLS);
        assertEquals(json("{\"city\":\"Paris\"}"), repeated.calls().getFirst().arguments());
        assertRepair(repeated, "repeated copy");

        JsonNode two = toolCallCompletion("get_weather", "\"{\\\"city\\\": \\\"Paris\\\"} {\\\"city\\\": \\\"Rome\\\"}\"");
        assertEquals("{\"city\": \"Paris\"} {\"city\": \"Rome\"}", wireArguments(two));
        RepairedToolCalls r = repair.fromCompletion(two, TOOLS);
        assertEquals(List.of(), r.calls());
        assertTrue(r.errors().getFirst().message().contains("more than one JSON object"), r.errors()::toString);
    }

    @Test
    void argumentsInACodeFenceAreUnfenced() {
        JsonNode body = toolCallCompletion("get_weather", "\"```json\\n{\\\"city\\\": \\\"Paris\\\"}\\n```\"");
        assertEquals("```json\n{\"city\": \"Paris\"}\n```", wireArguments(body));
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(json("{\"city\":\"Paris\"}"), r.calls().getFirst().arguments());
        assertRepair(r, "code fence");
    }

    @Test
    void doubleEncodedArgumentsAreDecoded() {
        JsonNode body = toolCallCompletion("get_weather", "\"\\\"{\\\\\\\"city\\\\\\\":\\\\\\\"Paris\\\\\\\"}\\\"\"");
        assertEquals("\"{\\\"city\\\":\\\"Paris\\\"}\"", wireArguments(body));
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(json("{\"city\":\"Paris\"}"), r.calls().getFirst().arguments());
        assertRepair(r, "double-encoded");
    }

    @Test
    void argumentsSentAsAnObjectAreAccepted() {
        JsonNode body = toolCallCompletion("get_weather", "{\"city\": \"Paris\"}");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(json("{\"city\":\"Paris\"}"), r.calls().getFirst().arguments());
        assertRepair(r, "instead of a JSON string");
    }

    @Test
    void emptyArgumentsAreAnEmptyObject() {
        RepairedToolCalls r = repair.fromCompletion(toolCallCompletion("get_weather", "\"\""), TOOLS);
        assertEquals(json("{}"), r.calls().getFirst().arguments());
        assertRepair(r, "empty");
    }

    @Test
    void pythonLiteralsSingleQuotesAndRawNewlinesAreRead() {
        JsonNode body = toolCallCompletion("create_ticket",
                "\"{'title': 'Disk full', 'urgent': True, 'assignee': None,}\"");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(json("{\"title\":\"Disk full\",\"urgent\":true,\"assignee\":null}"), r.calls().getFirst().arguments());
        assertRepair(r, "Python literal");
        assertRepair(r, "non-standard JSON");

        JsonNode multiline = toolCallCompletion("create_ticket", "\"{\\\"title\\\": \\\"Disk full\\\", \\\"body\\\": \\\"line 1\\nline 2\\\"}\"");
        assertEquals("{\"title\": \"Disk full\", \"body\": \"line 1\nline 2\"}", wireArguments(multiline));
        RepairedToolCalls m = repair.fromCompletion(multiline, TOOLS);
        assertEquals("line 1\nline 2", m.calls().getFirst().arguments().path("body").asText());
        assertRepair(m, "raw control character");
    }

    @Test
    void missingIdIsGenerated() {
        JsonNode body = completion("""
                {"role":"assistant","content":"","tool_calls":[{"type":"function",
                 "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertTrue(r.calls().getFirst().id().startsWith("call_"));
        assertRepair(r, "had no id");
    }

    @Test
    void truncatedArgumentsBecomeAnErrorForTheModel() {
        JsonNode body = toolCallCompletion("get_weather", "\"{\\\"city\\\": \\\"Par\"");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of(), r.calls());
        ToolCallError error = r.errors().getFirst();
        assertEquals("call_8f2Kq", error.id());
        assertEquals("get_weather", error.name());
        assertEquals("{\"city\": \"Par", error.raw());
        assertTrue(error.message().startsWith("Could not read the arguments of tool \"get_weather\""), error.message());
        assertTrue(error.message().contains("cut off"), error.message());
    }

    @Test
    void argumentsThatAreNotJsonAtAllBecomeAnError() {
        RepairedToolCalls r = repair.fromCompletion(toolCallCompletion("get_weather", "\"Paris, in celsius\""), TOOLS);
        assertEquals(List.of(), r.calls());
        assertTrue(r.errors().getFirst().message().contains("not a JSON object"), r.errors().getFirst().message());
        RepairedToolCalls array = repair.fromCompletion(toolCallCompletion("get_weather", "\"[\\\"Paris\\\"]\""), TOOLS);
        assertTrue(array.errors().getFirst().message().contains("got an array"), array.errors().getFirst().message());
    }

    @Test
    void hermesToolCallTagsInContent() {
        JsonNode body = completion("""
                {"role":"assistant","content":"I'll check both cities.\\n<tool_call>\\n{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Paris\\"}}\\n</tool_call>\\n<tool_call>\\n{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Berlin\\"}}\\n</tool_call>"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(2, r.calls().size(), () -> r.toString());
        assertEquals("Paris", r.calls().get(0).arguments().path("city").asText());
        assertEquals("Berlin", r.calls().get(1).arguments().path("city").asText());
        assertFalse(r.calls().get(0).id().equals(r.calls().get(1).id()));
        assertEquals("I'll check both cities.", r.content());
        assertRepair(r, "<tool_call> tags");
    }

    @Test
    void hermesTagWithoutClosingTagAfterThinking() {
        JsonNode body = completion("""
                {"role":"assistant","content":"<think>\\nThe user wants Oslo weather; I should call get_weather.\\n</think>\\n\\n<tool_call>\\n{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Oslo\\"}}"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(1, r.calls().size());
        assertEquals("Oslo", r.calls().getFirst().arguments().path("city").asText());
        assertRepair(r, "closing </tool_call> tag was missing");
        assertTrue(r.content().startsWith("<think>"), r.content());
    }

    @Test
    void mistralToolCallsMarker() {
        JsonNode body = completion("""
                {"role":"assistant","content":"[TOOL_CALLS] [{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Lyon\\"}}, {\\"name\\": \\"search_docs\\", \\"arguments\\": {\\"query\\": \\"weather policy\\"}}]"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of("get_weather", "search_docs"), r.calls().stream().map(ToolCall::name).toList());
        assertEquals("weather policy", r.calls().get(1).arguments().path("query").asText());
        assertEquals("", r.content());
        assertRepair(r, "[TOOL_CALLS]");
    }

    @Test
    void mistralNamedArgsFormat() {
        JsonNode body = completion("""
                {"role":"assistant","content":"[TOOL_CALLS]get_weather[ARGS]{\\"city\\": \\"Lyon\\"}[TOOL_CALLS]search_docs[ARGS]{\\"query\\": \\"rain\\"}"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of("get_weather", "search_docs"), r.calls().stream().map(ToolCall::name).toList(),
                () -> r.toString());
        assertEquals("rain", r.calls().get(1).arguments().path("query").asText());
    }

    @Test
    void bareJsonObjectWithParameters() {
        JsonNode body = completion("""
                {"role":"assistant","content":"{\\"name\\": \\"get_weather\\", \\"parameters\\": {\\"city\\": \\"Madrid\\", \\"unit\\": \\"celsius\\"}}"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(1, r.calls().size());
        assertEquals(json("{\"city\":\"Madrid\",\"unit\":\"celsius\"}"), r.calls().getFirst().arguments());
        assertEquals("", r.content());
        assertRepair(r, "bare JSON");
    }

    @Test
    void bareJsonArrayOfCallsInAFence() {
        JsonNode body = completion("""
                {"role":"assistant","content":"```json\\n[{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Rome\\"}},\\n {\\"name\\": \\"get_weather\\", \\"arguments\\": \\"{\\\\\\"city\\\\\\": \\\\\\"Milan\\\\\\"}\\"}]\\n```"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(List.of("Rome", "Milan"),
                r.calls().stream().map(c -> c.arguments().path("city").asText()).toList(), () -> r.toString());
    }

    @Test
    void ordinaryJsonInAnAnswerIsNotACall() {
        JsonNode body = completion("""
                {"role":"assistant","content":"{\\"name\\": \\"Alice\\", \\"arguments\\": [\\"too long\\"], \\"age\\": 30}"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertFalse(r.hasToolCalls());
        assertTrue(r.clean());
        assertEquals("{\"name\": \"Alice\", \"arguments\": [\"too long\"], \"age\": 30}", r.content());

        RepairedToolCalls prose = repair.fromContent("The config is ```json\n{\"name\": \"lore\", \"port\": 8080}\n```", TOOLS);
        assertFalse(prose.hasToolCalls());
    }

    @Test
    void callInsideThinkingIsNotACall() {
        RepairedToolCalls r = repair.fromContent(
                "<think>Maybe {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}? No need.</think>It is sunny.", TOOLS);
        assertFalse(r.hasToolCalls());
    }

    @Test
    void llamaPythonTag() {
        JsonNode body = completion("""
                {"role":"assistant","content":"<|python_tag|>{\\"name\\": \\"get_weather\\", \\"parameters\\": {\\"city\\": \\"San Francisco\\"}}<|eom_id|>"}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals(1, r.calls().size());
        assertEquals("San Francisco", r.calls().getFirst().arguments().path("city").asText());
        assertEquals("", r.content());
        assertRepair(r, "<|python_tag|>");
    }

    @Test
    void unknownToolBehindAMarkerIsAnErrorListingTheTools() {
        RepairedToolCalls r = repair.fromContent(
                "<tool_call>{\"name\": \"get_wether\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>", TOOLS);
        assertEquals(List.of(), r.calls());
        assertEquals("Tool \"get_wether\" does not exist. Available tools: [create_ticket, get_weather, search_docs].",
                r.errors().getFirst().message());
    }

    @Test
    void unreadableTextCallIsAnError() {
        RepairedToolCalls r = repair.fromContent("<tool_call>get_weather(city=\"Paris\")</tool_call>", TOOLS);
        assertEquals(List.of(), r.calls());
        assertTrue(r.errors().getFirst().message().startsWith("Could not read the tool call in <tool_call> tags"),
                r.errors().getFirst().message());
    }

    @Test
    void legacyFunctionCallField() {
        JsonNode body = completion("""
                {"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\\"city\\":\\"Kyiv\\"}"}}""");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertEquals("Kyiv", r.calls().getFirst().arguments().path("city").asText());
        assertRepair(r, "function_call");
    }

    @Test
    void plainAnswerHasNoCalls() {
        JsonNode body = completion("{\"role\":\"assistant\",\"content\":\"It is 21 °C in Paris.\"}");
        RepairedToolCalls r = repair.fromCompletion(body, TOOLS);
        assertFalse(r.hasToolCalls());
        assertTrue(r.clean());
        assertEquals("It is 21 °C in Paris.", r.content());
    }

    @Test
    void neverThrowsOnGarbage() {
        String[] pieces = {"{", "}", "[", "]", "\"", ":", ",", "\\", " ", "\n", "a", "1", "'", "True", "None", "```",
            "<tool_call>", "</tool_call>", "[TOOL_CALLS]", "[ARGS]", "<|python_tag|>", "</think>", "\"name\"",
            "\"get_weather\"", "\"arguments\"", "{\"city\": \"Paris\"}"};
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(25);
            for (int j = 0; j < n; j++) sb.append(pieces[random.nextInt(pieces.length)]);
            String text = sb.toString();
            ToolCallRepair.Arguments a = repair.parseArguments(text);
            assertTrue(a.ok() != (a.error() != null), text);
            RepairedToolCalls r = repair.fromContent(text, TOOLS);
            assertTrue(r.calls().stream().allMatch(c -> c.arguments().isObject() && TOOLS.contains(c.name())), text);
        }
    }

    @Test
    void parseArgumentsReportsWithoutThrowing() {
        ToolCallRepair.Arguments ok = repair.parseArguments("  {\"a\":1} ");
        assertTrue(ok.ok());
        assertEquals(List.of(), ok.repairs());
        ToolCallRepair.Arguments bad = repair.parseArguments("{\"a\": }");
        assertNull(bad.value());
        assertTrue(bad.error().contains("not valid JSON"), bad.error());
    }
}
