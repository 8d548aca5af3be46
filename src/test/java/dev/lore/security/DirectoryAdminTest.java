package dev.lore.security;

import static dev.lore.support.Auth.as;
import static dev.lore.support.Auth.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Users, groups, memberships and roles through Lore's admin API, against the real Keycloak server: an admin manages
 * the people of their own tenant only; the changes show in the affected user's next request.
 */
@QuarkusTest
class DirectoryAdminTest {

    @Test
    void anAdminManagesTheirTenantsPeopleAndNobodyElses() {
        String alice = token("alice");
        List<String> acme = as(alice).get("/api/v1/admin/users").then().statusCode(200).extract().jsonPath().getList("username");
        assertTrue(acme.containsAll(List.of("alice", "bob", "carol", "erin")), String.valueOf(acme));
        assertFalse(acme.contains("dave") || acme.contains("frank"), "another tenant's users are not listed: " + acme);
        assertEquals(List.of("bob"), as(alice).queryParam("search", "bo").get("/api/v1/admin/users").then().statusCode(200)
                .extract().jsonPath().getList("username"));

        // create a user with a password: they can sign in, belong to acme and have role user
        String name = "gina" + System.nanoTime() % 100000;
        String id = as(alice).contentType(ContentType.JSON)
                .body(Map.of("username", name, "email", name + "@acme.example", "firstName", "Gina", "lastName", "Lopez", "password", "gina-secret-pw"))
                .post("/api/v1/admin/users").then().statusCode(201).extract().path("id");
        as(alice).contentType(ContentType.JSON).body(Map.of("username", name)).post("/api/v1/admin/users").then().statusCode(409);
        String gina = token(name, "gina-secret-pw");
        as(gina).contentType(ContentType.JSON).body(Map.of("query", "anything")).post("/api/v1/search").then().statusCode(200);
        as(gina).get("/api/v1/sources").then().statusCode(403);

        // a role granted applies to the next token; a group membership to the next request
        as(alice).put("/api/v1/admin/users/" + id + "/roles/curator").then().statusCode(204);
        as(token(name, "gina-secret-pw")).get("/api/v1/sources").then().statusCode(200);
        as(alice).put("/api/v1/admin/users/" + id + "/roles/owner").then().statusCode(400);
        String group = as(alice).contentType(ContentType.JSON).body(Map.of("name", "legal" + System.nanoTime() % 100000))
                .post("/api/v1/admin/groups").then().statusCode(201).extract().path("id");
        as(alice).put("/api/v1/admin/groups/" + group + "/members/" + id).then().statusCode(204);
        assertEquals(List.of(name), as(alice).get("/api/v1/admin/groups/" + group + "/members").then().statusCode(200)
                .extract().jsonPath().getList("username"));
        JsonPath detail = as(alice).get("/api/v1/admin/users/" + id).then().statusCode(200).extract().jsonPath();
        assertTrue(detail.getList("roles").containsAll(List.of("curator", "user")), detail.prettify());
        assertEquals(1, detail.getList("groups").size());

        // the other tenant's admin sees none of it
        String dave = token("dave");
        as(dave).get("/api/v1/admin/users/" + id).then().statusCode(404);
        as(dave).put("/api/v1/admin/users/" + id + "/roles/admin").then().statusCode(404);
        as(dave).get("/api/v1/admin/groups/" + group + "/members").then().statusCode(404);
        assertFalse(as(dave).get("/api/v1/admin/groups").then().statusCode(200).extract().asString().contains(group));
        // and a non-admin cannot manage people at all
        as(token("carol")).get("/api/v1/admin/users").then().statusCode(403);

        // disabling takes effect on the next request, even with a token issued before
        as(alice).contentType(ContentType.JSON).body(Map.of("enabled", false)).put("/api/v1/admin/users/" + id + "/enabled").then().statusCode(204);
        as(gina).contentType(ContentType.JSON).body(Map.of("query", "anything")).post("/api/v1/search").then().statusCode(401);
        as(alice).delete("/api/v1/admin/groups/" + group).then().statusCode(204);
        as(alice).get("/api/v1/admin/groups/" + group + "/members").then().statusCode(404);
    }
}
