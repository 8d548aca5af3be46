package dev.lore.agent.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Streamed tool calls as servers really send them: each test is the {@code text/event-stream} body of one
 * {@code stream: true} chat completion ({@code data: <chat.completion.chunk>} lines, {@code data: [DONE]} last).
 */
class StreamedToolCallAccumulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOOLS = Set.of("get_weather", "get_time");
    private final ToolCallRepair repair = new ToolCallRepair();

    /** Feeds every {@code data:} event of an SSE body (skipping {@code [DONE]}) and finishes. */
    private RepairedToolCalls stream(String sse) {
        StreamedToolCallAccumulator acc = new StreamedToolCallAccumulator();
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            String data = line.substring("data: ".length()).strip();
            if (data.equals("[DONE]")) break;
            try {
                acc.acceptChunk(JSON.readTree(data));
            } catch (Exception e) {
                throw new AssertionError("bad fixture line: " + line, e);
            }
        }
        return acc.finish(repair, TOOLS);
    }

    private static List<String> cities(RepairedToolCalls r) {
        return r.calls().stream().map(c -> c.arguments().path("city").asText()).toList();
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void wellFormedParallelStreamNeedsNoRepair() {
        RepairedToolCalls r = stream("""
                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"ci"}}]},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\\": \\"Paris\\"}"}}]},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\\"zone\\": \\"Europe/Paris\\"}"}}]},"finish_reason":null}]}

                data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1767225600,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

                data: [DONE]
                """);
        assertTrue(r.clean(), () -> r.repairs() + " " + r.errors());
        assertEquals(List.of(new ToolCall("call_A", "get_weather", json("{\"city\":\"Paris\"}")),
                new ToolCall("call_B", "get_time", json("{\"zone\":\"Europe/Paris\"}"))), r.calls());
    }

    @Test
    void deltasWithoutIndexAreToldApartById() {
        RepairedToolCalls r = stream("""
                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1767225600,"model":"llama3.1","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":"}}]},"finish_reason":null}]}
                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1767225600,"model":"llama3.1","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":" \\"Paris\\"}"}}]},"finish_reason":null}]}
                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1767225600,"model":"llama3.1","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":"}}]},"finish_reason":null}]}
                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1767225600,"model":"llama3.1","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":" \\"Rome\\"}"}}]},"finish_reason":"tool_calls"}]}
                data: [DONE]
                """);
        assertEquals(List.of("call_1", "call_2"), r.calls().stream().map(ToolCall::id).toList());
        assertEquals(List.of("Paris", "Rome"), cities(r));
        assertTrue(r.repairs().stream().anyMatch(s -> s.contains("no index")), r.repairs()::toString);
    }

    @Test
    void deltasWithoutIndexOrIdAreToldApartByName() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"get_weather","arguments":"{\\"city\\": \\"Oslo\\"}"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"get_time"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{\\"zone\\": \\"Europe/Oslo\\"}"}}]}}]}
                data: [DONE]
                """);
        assertEquals(List.of("get_weather", "get_time"), r.calls().stream().map(ToolCall::name).toList());
        assertEquals("Europe/Oslo", r.calls().get(1).arguments().path("zone").asText());
        assertTrue(r.calls().stream().allMatch(c -> c.id().startsWith("call_")));
        assertTrue(r.repairs().stream().anyMatch(s -> s.contains("had no id")), r.repairs()::toString);
    }

    @Test
    void sameToolTwiceWithoutIndexOrIdSplitsWhenTheFirstObjectIsComplete() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"get_weather","arguments":"{\\"city\\": "}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"get_weather","arguments":"\\"Oslo\\"}"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"name":"get_weather","arguments":"{\\"city\\": \\"Bergen\\"}"}}]}}]}
                data: [DONE]
                """);
        assertEquals(List.of("Oslo", "Bergen"), cities(r), () -> r.toString());
    }

    @Test
    void repeatedIdOnEveryDeltaIsOneCall() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\\"ci"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"ty\\": \\"Ly"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"on\\"}"}}]}}]}
                data: [DONE]
                """);
        assertEquals(List.of(new ToolCall("call_x", "get_weather", json("{\"city\":\"Lyon\"}"))), r.calls());
    }

    @Test
    void serverThatNumbersEveryCallZero() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_p","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Porto\\"}"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_q","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Faro\\"}"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}
                data: [DONE]
                """);
        assertEquals(List.of("Porto", "Faro"), cities(r));
        assertTrue(r.repairs().stream().anyMatch(s -> s.contains("reused index 0")), r.repairs()::toString);
    }

    @Test
    void fragmentsSplitInsideAnEscapeAndUnicode() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_e","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Z\\\\u00"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"fcrich \\\\\\""}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ZH\\\\\\"\\"}"}}]}}]}
                data: [DONE]
                """);
        assertTrue(r.clean(), () -> r.toString());
        assertEquals("Zürich \"ZH\"", r.calls().getFirst().arguments().path("city").asText());
    }

    @Test
    void malformedStreamedArgumentsAreRepaired() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_m","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Nice\\"}"}}]}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" I hope that helps"}}]}}]}
                data: [DONE]
                """);
        assertEquals(List.of("Nice"), cities(r));
        assertTrue(r.repairs().stream().anyMatch(s -> s.contains("dropped text after")), r.repairs()::toString);
    }

    @Test
    void toolCallStreamedAsTextContent() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"<tool_"}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"call>\\n{\\"name\\": \\"get_weather\\", "}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\\"arguments\\": {\\"city\\": \\"Riga\\"}}\\n</tool_call>"}}]}
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
                data: [DONE]
                """);
        assertEquals(List.of("Riga"), cities(r));
        assertEquals("", r.content());
    }

    @Test
    void streamWithoutNameIsAnError() {
        RepairedToolCalls r = stream("""
                data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_n","function":{"arguments":"{}"}}]}}]}
                data: [DONE]
                """);
        assertEquals(List.of(), r.calls());
        assertTrue(r.errors().getFirst().message().contains("has no function name"), r.errors()::toString);
    }
}
