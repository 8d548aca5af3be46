package dev.lore.agent.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolSchemaValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** OpenAI {@code tools[]} entries, as a request carries them. */
    private static final ToolSchemaValidator VALIDATOR = new ToolSchemaValidator(List.of(
            ToolDefinition.of(json("""
                    {"type":"function","function":{"name":"get_weather","description":"Weather forecast for a city",
                     "parameters":{"type":"object","properties":{
                        "city":{"type":"string"},
                        "unit":{"type":"string","enum":["celsius","fahrenheit"]},
                        "days":{"type":"integer","minimum":1,"maximum":14},
                        "hourly":{"type":"boolean"}},
                      "required":["city"]}}}""")),
            ToolDefinition.of(json("""
                    {"type":"function","function":{"name":"database.query","description":"Query a table",
                     "parameters":{"type":"dict","properties":{
                        "table":{"type":"string"},
                        "conditions":{"type":"array","items":{"type":"dict","properties":{
                            "field":{"type":"string"},
                            "operation":{"type":"string","enum":["<",">","=",">=","<="]},
                            "value":{"type":"string"}},
                          "required":["field","operation","value"]}},
                        "limit":{"type":"integer","optional":true}},
                      "required":["table","conditions"]}}}""")),
            ToolDefinition.of(json("""
                    {"name":"calculate_distance","description":"BFCL style, bare function document",
                     "parameters":{"type":"dict","properties":{
                        "coord1":{"type":"tuple","items":{"type":"float"}},
                        "coord2":{"type":"tuple","items":{"type":"float"}},
                        "data":{"type":"any"},
                        "tags":{"type":"array","items":{"type":"string"}},
                        "options":{"type":"dict","properties":{"precise":{"type":"boolean"}},"additionalProperties":false}},
                      "required":["coord1","coord2"]}}"""))));

    private static ValidatedToolCall check(String tool, String args) {
        return VALIDATOR.validate(new ToolCall("call_1", tool, json(args)));
    }

    @Test
    void validCallPasses() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\",\"days\":3}");
        assertTrue(v.valid());
        assertEquals(List.of(), v.repairs());
        assertEquals("", v.errorMessage());
    }

    @Test
    void enumErrorNamesTheOptions() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"unit\":\"kelvin\"}");
        assertEquals(List.of("$.unit: must be one of [celsius, fahrenheit], got \"kelvin\""), v.errors());
    }

    @Test
    void missingRequiredProperty() {
        assertEquals(List.of("$: missing required property \"city\""), check("get_weather", "{\"unit\":\"celsius\"}").errors());
    }

    @Test
    void wrongTypeIsSpelledOut() {
        assertEquals(List.of("$.hourly: expected boolean, got string \"sometimes\""),
                check("get_weather", "{\"city\":\"Paris\",\"hourly\":\"sometimes\"}").errors());
        assertEquals(List.of("$.days: expected integer, got number 2.5"),
                check("get_weather", "{\"city\":\"Paris\",\"days\":2.5}").errors());
    }

    @Test
    void otherKeywordsKeepTheLibraryWordingWithPathAndValue() {
        List<String> errors = check("get_weather", "{\"city\":\"Paris\",\"days\":30}").errors();
        assertEquals(1, errors.size());
        assertTrue(errors.getFirst().startsWith("$.days: ") && errors.getFirst().contains("14")
                && errors.getFirst().endsWith("got 30"), errors.getFirst());
    }

    @Test
    void unknownArgumentIsRejectedAndTheAllowedOnesListed() {
        assertEquals(List.of("$: unknown property \"country\"; allowed properties: [city, unit, days, hourly]"),
                check("get_weather", "{\"city\":\"Paris\",\"country\":\"FR\"}").errors());
    }

    @Test
    void unknownArgumentsAllowedWhenTheValidatorIsOpen() {
        ToolSchemaValidator open = new ToolSchemaValidator(
                List.of(new ToolDefinition("f", "", json("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"))),
                false);
        assertTrue(open.validate(new ToolCall("c", "f", json("{\"a\":\"x\",\"b\":1}"))).valid());
    }

    @Test
    void nestedErrorsHavePreciseJsonPaths() {
        ValidatedToolCall v = check("database.query", """
                {"table":"user","conditions":[{"field":"age","operation":">","value":"25"},
                                              {"field":"job","operation":"like","value":"engineer"},
                                              {"field":"team","operation":"="}]}""");
        assertEquals(List.of("$.conditions[1].operation: must be one of [<, >, =, >=, <=], got \"like\"",
                "$.conditions[2]: missing required property \"value\""), v.errors());
    }

    @Test
    void unknownToolListsTheAvailableOnes() {
        ValidatedToolCall v = check("get_wether", "{\"city\":\"Paris\"}");
        assertEquals(List.of("unknown tool \"get_wether\"; available tools: [get_weather, database.query, calculate_distance]"),
                v.errors());
        assertTrue(v.errorMessage().startsWith("Invalid arguments for tool \"get_wether\""));
    }

    @Test
    void toolNameWithUnderscoresForDotsIsMatchedAndReported() {
        ValidatedToolCall v = check("functions.database_query", "{\"table\":\"user\",\"conditions\":[]}");
        assertTrue(v.valid(), v.errors()::toString);
        assertEquals("database.query", v.call().name());
        assertEquals(List.of("tool name \"functions.database_query\" read as \"database.query\""), v.repairs());
    }

    @Test
    void numericStringIsCoercedAndReported() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"days\":\"3\",\"hourly\":\"false\"}");
        assertTrue(v.valid(), v.errors()::toString);
        assertEquals(json("{\"city\":\"Paris\",\"days\":3,\"hourly\":false}"), v.call().arguments());
        assertEquals(List.of("$.days: converted string \"3\" to integer 3",
                "$.hourly: converted string \"false\" to boolean false"), v.repairs());
    }

    @Test
    void numberForAStringIsCoercedAndReported() {
        ValidatedToolCall v = check("get_weather", "{\"city\":75001}");
        assertTrue(v.valid(), v.errors()::toString);
        assertEquals("75001", v.call().arguments().path("city").asText());
        assertEquals(List.of("$.city: converted integer 75001 to string \"75001\""), v.repairs());
    }

    @Test
    void coercionIsNotAppliedWhenTheCallStaysWrong() {
        ValidatedToolCall v = check("get_weather", "{\"days\":\"3\"}");
        assertFalse(v.valid());
        assertEquals(List.of("$.days: expected integer, got string \"3\"", "$: missing required property \"city\""),
                v.errors());
        assertEquals(List.of(), v.repairs());
        assertEquals(json("{\"days\":\"3\"}"), v.call().arguments());
    }

    @Test
    void coercionThatWouldBreakAnotherRuleIsNotApplied() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"days\":\"30\"}");
        assertFalse(v.valid());
        assertEquals(List.of("$.days: expected integer, got string \"30\""), v.errors());
    }

    @Test
    void nonNumericStringIsNotCoerced() {
        assertEquals(List.of("$.days: expected integer, got string \"three\""),
                check("get_weather", "{\"city\":\"Paris\",\"days\":\"three\"}").errors());
    }

    @Test
    void singleValueBecomesAOneElementArrayAndBack() {
        ValidatedToolCall wrapped = check("calculate_distance", "{\"coord1\":[1,2],\"coord2\":[3.5,4],\"tags\":\"fast\"}");
        assertTrue(wrapped.valid(), wrapped.errors()::toString);
        assertEquals(json("[\"fast\"]"), wrapped.call().arguments().path("tags"));
        assertEquals(List.of("$.tags: converted string \"fast\" to array [\"fast\"]"), wrapped.repairs());

        ValidatedToolCall unwrapped = check("get_weather", "{\"city\":[\"Paris\"]}");
        assertTrue(unwrapped.valid(), unwrapped.errors()::toString);
        assertEquals("Paris", unwrapped.call().arguments().path("city").asText());

        assertFalse(check("get_weather", "{\"city\":[\"Paris\",\"Rome\"]}").valid());
    }

    @Test
    void jsonEncodedNestedValueIsDecoded() {
        ValidatedToolCall v = check("database.query",
                "{\"table\":\"user\",\"conditions\":\"[{\\\"field\\\":\\\"age\\\",\\\"operation\\\":\\\">\\\",\\\"value\\\":\\\"25\\\"}]\"}");
        assertTrue(v.valid(), v.errors()::toString);
        assertEquals("age", v.call().arguments().at("/conditions/0/field").asText());
    }

    @Test
    void enumInTheWrongCaseIsMatched() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"unit\":\"Celsius\"}");
        assertTrue(v.valid());
        assertEquals(List.of("$.unit: read \"Celsius\" as the enum value \"celsius\""), v.repairs());
    }

    @Test
    void nullForOptionalIsDroppedButNotForRequired() {
        ValidatedToolCall v = check("get_weather", "{\"city\":\"Paris\",\"unit\":null}");
        assertTrue(v.valid(), v.errors()::toString);
        assertFalse(v.call().arguments().has("unit"));
        assertEquals(List.of("$.city: expected string, got null"), check("get_weather", "{\"city\":null}").errors());
    }

    @Test
    void bfclTypesAreMapped() {
        assertTrue(check("calculate_distance", "{\"coord1\":[40.7,-74.0],\"coord2\":[34,-118],\"data\":{\"x\":[1]}}").valid());
        assertEquals(List.of("$.coord1[1]: expected number, got string \"-74.0W\""),
                check("calculate_distance", "{\"coord1\":[40.7,\"-74.0W\"],\"coord2\":[34,-118]}").errors());
        assertEquals(List.of("$.options: unknown property \"fast\"; allowed properties: [precise]"),
                check("calculate_distance", "{\"coord1\":[1,2],\"coord2\":[3,4],\"options\":{\"fast\":true}}").errors());
        JsonNode schema = VALIDATOR.effectiveSchema("calculate_distance");
        assertEquals("object", schema.path("type").asText());
        assertEquals("number", schema.at("/properties/coord1/items/type").asText());
        assertEquals("array", schema.at("/properties/coord1/type").asText());
        assertFalse(schema.at("/properties/data").has("type"));
        assertFalse(VALIDATOR.effectiveSchema("database.query").at("/properties/limit").has("optional"));
    }

    @Test
    void integralFloatCountsAsInteger() {
        assertTrue(check("get_weather", "{\"city\":\"Paris\",\"days\":3.0}").valid());
    }

    @Test
    void argumentsMustBeAnObject() {
        ValidatedToolCall v = check("get_weather", "[\"Paris\"]");
        assertEquals(List.of("$: expected object, got array [\"Paris\"]"), v.errors());
    }

    @Test
    void draft3RequiredFlagIsLifted() {
        ToolSchemaValidator v = new ToolSchemaValidator(List.of(new ToolDefinition("f", "",
                json("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"required\":true}}}"))));
        assertEquals(List.of("$: missing required property \"a\""), v.validate(new ToolCall("c", "f", json("{}"))).errors());
    }

    @Test
    void duplicateToolNamesAreRefused() {
        ToolDefinition f = new ToolDefinition("f", "", null);
        assertThrows(IllegalArgumentException.class, () -> new ToolSchemaValidator(List.of(f, f)));
    }
}
