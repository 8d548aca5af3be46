package dev.lore.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Bad requests get a 400 {@code application/problem+json} that says what was wrong, in the caller's terms: malformed
 * JSON, a field of the wrong type (named by its path, no Java class names), a query or path parameter that does not
 * convert (JAX-RS would answer 404 for those). A route that does not exist stays a 404.
 */
@QuarkusTest
class ProblemResponsesTest {

    @Test
    void malformedJsonSaysSo() {
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", ")
                .post("/api/v1/search")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", allOf(startsWith("malformed JSON: "), containsString("line 1"), not(containsString("Source")), not(containsString("StreamReadFeature"))));
    }

    @Test
    void aFieldOfTheWrongTypeIsNamedWithoutJavaClassNames() {
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"limit\": {\"a\": 1}}")
                .post("/api/v1/search")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", allOf(containsString("limit"), containsString("expected a whole number"), not(containsString("java"))));
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"filesystem\",\"name\":\"acl-typo\",\"config\":{\"path\":\"/srv/lore\",\"acl\":\"everyone\"}}")
                .post("/api/v1/sources")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", allOf(containsString("config.acl"), containsString("expected an object"),
                        not(containsString("dev.lore")), not(containsString("Cannot construct"))));
        // no conversions: text or fractions for numbers, numbers for text
        for (String[] c : new String[][] {{"{\"query\": \"vacuum\", \"limit\": \"3\"}", "body.limit: wrong type, expected a whole number"},
                {"{\"query\": \"vacuum\", \"limit\": 2.7}", "body.limit: wrong type, expected a whole number"},
                {"{\"query\": \"vacuum\", \"limit\": 99999999999999}", "body.limit: number out of range"},
                {"{\"query\": \"vacuum\", \"filters\": {\"sourceIds\": [null]}}", "body.filters.sourceIds[0]: must not be null"},
                {"{\"query\": 123}", "body.query: wrong type, expected a string"}}) {
            given().contentType(ContentType.JSON).body(c[0]).post("/api/v1/search")
                    .then().statusCode(400).contentType(startsWith("application/problem+json")).body("detail", equalTo(c[1]));
        }
        // a key twice, or more after the value: malformed, not "the last one wins"
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"query\": \"index\"}").post("/api/v1/search")
                .then().statusCode(400).body("detail", allOf(startsWith("malformed JSON"), containsString("query")));
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\"} {\"x\": 1}").post("/api/v1/search")
                .then().statusCode(400).body("detail", startsWith("malformed JSON: more content after the JSON value"));
        // an unfinished array is malformed JSON, not a bad element
        given().contentType(ContentType.JSON).body("{\"query\": \"a\", \"filters\": {\"languages\": [\"en\"")
                .post("/api/v1/search").then().statusCode(400).body("detail", startsWith("malformed JSON"));
        // a misspelt access-list field (groups) would have made the source admins-only; a string would have opened it
        for (String[] c : new String[][] {{"{\"group\": [\"engineering\"]}", "config.acl.group: unknown field; the fields here are everyone, groups, users"},
                {"{\"everyone\": \"true\"}", "config.acl.everyone: wrong type, expected true or false"}}) {
            given().contentType(ContentType.JSON)
                    .body("{\"type\":\"filesystem\",\"name\":\"acl-strict\",\"config\":{\"path\":\"/srv/lore\",\"acl\":" + c[0] + "}}")
                    .post("/api/v1/sources").then().statusCode(400).body("detail", containsString(c[1]));
            given().contentType(ContentType.JSON).body(c[0]).put("/api/v1/sources/" + UUID.randomUUID() + "/acl")
                    .then().statusCode(400).body("detail", equalTo(c[1].replace("config.acl", "body")));
        }
        given().contentType(ContentType.JSON).body("{\"type\":\"filesystem\",\"name\":\"path-typo\",\"config\":{\"pth\":\"/srv/lore\"}}")
                .post("/api/v1/sources").then().statusCode(400).body("detail", containsString("config.pth: unknown field"));
        // a number where a yes/no belongs would have opened the source to everyone (Jackson reads 1 as true)
        given().contentType(ContentType.JSON)
                .body("{\"type\":\"filesystem\",\"name\":\"acl-number\",\"config\":{\"path\":\"/srv/lore\",\"acl\":{\"everyone\":1}}}")
                .post("/api/v1/sources")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", allOf(containsString("config.acl.everyone"), containsString("expected true or false")));
    }

    @io.quarkus.test.common.http.TestHTTPResource("/api/v1/search")
    java.net.URI search;

    @Test
    void aBodyOverTheLimitGetsAProblemThatNamesTheLimit() throws Exception {
        // 1 MiB + 1 bytes, declared in Content-Length: refused before the body is read (the client waits for "continue")
        byte[] body = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        var response = client.send(java.net.http.HttpRequest.newBuilder(search).expectContinue(true)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        org.junit.jupiter.api.Assertions.assertEquals(413, response.statusCode(), response.body());
        org.junit.jupiter.api.Assertions.assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        org.hamcrest.MatcherAssert.assertThat(response.body(), allOf(containsString("1048577 bytes"), containsString("at most 1048576 bytes")));
        // at the limit it is read and answered
        String query = "{\"query\": \"vacuum\"}";
        given().contentType(ContentType.JSON).body(query + " ".repeat(1024 * 1024 - query.length()))
                .post("/api/v1/search").then().statusCode(200).body("results", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void anUnknownFilterIsRefusedNotIgnored() {
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"filters\": {\"sourceId\": \"" + UUID.randomUUID() + "\"}}")
                .post("/api/v1/search")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", allOf(containsString("filters"), containsString("unknown filter 'sourceId'"), containsString("sourceIds")));
        // an empty list would read as "no filter" and search everything: refused, in search and chat
        for (String filter : List.of("sourceIds", "contentTypes", "languages")) {
            given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"filters\": {\"" + filter + "\": []}}")
                    .post("/api/v1/search").then().statusCode(400).contentType(startsWith("application/problem+json"))
                    .body("detail", allOf(containsString("filters." + filter), containsString("empty list"), containsString("leave the filter out")));
        }
        given().contentType(ContentType.JSON).body("{\"message\": \"vacuum\", \"filters\": {\"sourceIds\": []}}").post("/api/v1/chat")
                .then().statusCode(400).body("detail", allOf(containsString("filters.sourceIds"), containsString("empty list")));
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"filters\": {\"sourceIds\": null, \"languages\": [\"en\"]}}")
                .post("/api/v1/search").then().statusCode(200);
        // values that could never match say so, rather than an empty result
        for (String[] c : new String[][] {{"{\"contentTypes\": [\"text/html\", \"markdown\"]}", "filters.contentTypes[1]: is not a media type"},
                {"{\"languages\": [\"german\"]}", "filters.languages[0]: is not a language code"},
                {"{\"pathPrefix\": \"/srv/lore/docs/admin/\"}", "filters.pathPrefix: is relative to the source's folder"}}) {
            given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"filters\": " + c[0] + "}").post("/api/v1/search")
                    .then().statusCode(400).body("detail", startsWith(c[1]));
        }
        given().contentType(ContentType.JSON).body("{\"query\": \"vacuum\", \"filters\": {\"pathPrefix\": \"./admin/\", \"languages\": [\"und\"]}}")
                .post("/api/v1/search").then().statusCode(200);
        // one level up too: a misspelt "filter", or sourceIds at the top, must not search everything
        for (String body : List.of("{\"query\": \"vacuum\", \"filter\": {\"sourceIds\": []}}", "{\"query\": \"vacuum\", \"sourceIds\": []}")) {
            given().contentType(ContentType.JSON).body(body).post("/api/v1/search")
                    .then().statusCode(400).contentType(startsWith("application/problem+json")).body("detail", containsString("unknown field"));
        }
        given().contentType(ContentType.JSON).body("{\"message\": \"vacuum\", \"filter\": {\"sourceIds\": []}}").post("/api/v1/chat")
                .then().statusCode(400).contentType(startsWith("application/problem+json")).body("detail", containsString("unknown field 'filter'"));
    }

    @Test
    void refusedIdentitiesGetAProblemBodyAndTheChallenge() {
        dev.lore.support.Auth.anonymous().get("/api/v1/sources")
                .then().statusCode(401).contentType(startsWith("application/problem+json")).header("WWW-Authenticate", startsWith("Bearer"))
                .body("detail", containsString("X-API-Key"));
        given().header("X-API-Key", "lore_thisKeyDoesNotExist000000000000000000000").header("Authorization", "").get("/api/v1/sources")
                .then().statusCode(401).contentType(startsWith("application/problem+json")).header("WWW-Authenticate", startsWith("Bearer"))
                .body("detail", containsString("API key was refused"));
        given().header("Authorization", "Bearer lore_thisKeyDoesNotExist000000000000000000000").get("/api/v1/sources")
                .then().statusCode(401).contentType(startsWith("application/problem+json")).body("detail", containsString("API key was refused"));
        given().header("Authorization", "Basic YWxpY2U6c2VjcmV0").get("/api/v1/sources")
                .then().statusCode(401).body("detail", containsString("Authorization scheme is not supported"));
        // a token Keycloak's mechanism refuses: the same kind of body, and RFC 6750's invalid_token
        dev.lore.support.Auth.as("not-a-token").get("/api/v1/sources")
                .then().statusCode(401).contentType(startsWith("application/problem+json"))
                .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\"")).body("detail", containsString("bearer token was refused"));
        // the pages still send people to the login page
        dev.lore.support.Auth.anonymous().redirects().follow(false).get("/console").then().statusCode(302);
    }

    @Test
    void parametersThatDoNotConvertAreBadRequestsNotMissingPages() {
        given().get("/api/v1/documents?sourceId=xyz")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", equalTo("query parameter sourceId: invalid value 'xyz', expected a UUID"));
        // a valid parameter whose value is part of the bad one's is not named with it
        given().get("/api/v1/documents?offset=1&limit=x1")
                .then().statusCode(400).body("detail", equalTo("query parameter limit: invalid value 'x1', expected a whole number"));
        given().get("/api/v1/documents?limit=99999999999")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", equalTo("query parameter limit: invalid value '99999999999', out of range (a whole number from -2147483648 to 2147483647)"));
        given().get("/api/v1/sources/" + UUID.randomUUID() + "/runs?limit=abc")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", equalTo("query parameter limit: invalid value 'abc', expected a whole number"));
        given().get("/api/v1/sources/not-a-uuid")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", equalTo("path parameter id: invalid value 'not-a-uuid', expected a UUID"));
        // a misspelt query parameter is refused, not ignored (?stat=failed listed every document)
        given().get("/api/v1/documents?sourceID=" + UUID.randomUUID())
                .then().statusCode(400).body("detail", equalTo("unknown query parameter 'sourceID'; this endpoint takes limit, offset, q, sourceId"));
        // negative sizes are refused, not quietly turned into 1 or 0
        given().get("/api/v1/documents?limit=-5")
                .then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("detail", containsString("limit: must be greater than or equal to 1"));
        given().get("/api/v1/documents?offset=-1")
                .then().statusCode(400).body("detail", containsString("offset: must be greater than or equal to 0"));
        given().get("/api/v1/sources/" + UUID.randomUUID() + "/runs?limit=0")
                .then().statusCode(400).body("detail", containsString("limit: must be greater than or equal to 1"));
        given().get("/api/v1/feedback?limit=-1").then().statusCode(400);
        given().contentType("text/plain").body("vacuum").post("/api/v1/search")
                .then().statusCode(415).contentType(startsWith("application/problem+json")).body("detail", containsString("application/json"));
        // a real miss stays a 404, in words without RESTEasy's
        given().get("/api/v1/no-such-thing").then().statusCode(404).contentType(startsWith("application/problem+json"))
                .body("detail", equalTo("no such endpoint: /api/v1/no-such-thing (the API is documented at /q/openapi)"));
        // a method the endpoint does not take: 405; an Accept it cannot serve: 406; no body: says so
        given().delete("/api/v1/search").then().statusCode(405).header("Allow", "OPTIONS, POST")
                .body("detail", equalTo("this endpoint does not take DELETE; it takes OPTIONS, POST"));
        // a path with a parameter: the methods of that resource path, not of its neighbours (/sources has POST)
        given().patch("/api/v1/sources/" + UUID.randomUUID()).then().statusCode(405)
                .header("Allow", allOf(containsString("GET"), containsString("DELETE"), containsString("HEAD"), not(containsString("POST"))));
        given().accept("application/xml").get("/api/v1/sources").then().statusCode(406)
                .body("detail", allOf(containsString("Accept"), not(containsString("@Produces"))));
        // chat answers JSON or an event stream: XML is refused in the same words
        given().accept("application/xml").contentType(ContentType.JSON).body("{\"message\": \"vacuum\"}").post("/api/v1/chat")
                .then().statusCode(406).contentType(startsWith("application/problem+json")).body("detail", containsString("text/event-stream"));
        given().contentType(ContentType.JSON).post("/api/v1/search").then().statusCode(400)
                .body("detail", equalTo("a JSON request body is required"));
        given().get("/api/v1/sources/" + UUID.randomUUID()).then().statusCode(404).contentType(startsWith("application/problem+json"));
    }
}
