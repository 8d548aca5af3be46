package dev.lore.web;

import dev.lore.security.Caller;
import dev.lore.security.Callers;
import dev.lore.security.DirectoryResource;
import dev.lore.security.KeycloakDirectory;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Console: the tenant's people in Keycloak (users with their roles and groups, enable/disable, grant/remove roles,
 * groups and memberships), through {@link DirectoryResource}, so the API's checks apply. Admins only.
 */
@Path("/console")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ConsoleUsers {

    private static final String BACK = "/console/users";

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject DirectoryResource directory;

    @Inject @Location("console/users.html") Template users;

    /**
     * A user with roles and groups.
     *
     * @param user the user
     * @param roles Lore roles
     * @param groups group names
     */
    @TemplateData
    public record Person(KeycloakDirectory.User user, List<String> roles, List<String> groups) {}

    /**
     * A group with members.
     *
     * @param group the group
     * @param members its members
     */
    @TemplateData
    public record Team(KeycloakDirectory.Group group, List<KeycloakDirectory.User> members) {}

    @GET
    @Path("users")
    @SuppressWarnings("unchecked")
    public TemplateInstance users(@QueryParam("search") String search, @QueryParam("ok") String ok, @QueryParam("error") String error) {
        List<Person> people = new ArrayList<>();
        for (KeycloakDirectory.User u : directory.users(search, 0, 200)) {
            Map<String, Object> full = directory.user(u.id());
            people.add(new Person(u, (List<String>) full.get("roles"), (List<String>) full.get("groups")));
        }
        List<Team> teams = new ArrayList<>();
        for (KeycloakDirectory.Group g : directory.groups()) teams.add(new Team(g, directory.members(g.id())));
        return pages.page(users.instance()).data("section", "users").data("ok", ok).data("error", error)
                .data("search", search == null ? "" : search).data("people", people).data("teams", teams).data("roles", KeycloakDirectory.ROLES);
    }

    @POST
    @Path("users")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createUser(@RestForm String username, @RestForm String email, @RestForm String password) {
        return Flash.run(BACK, "User " + username + " created.", () -> {
            directory.createUser(new DirectoryResource.NewUser(username == null ? null : username.strip(), blank(email), null, null, blank(password)));
            return BACK;
        });
    }

    @POST
    @Path("users/{id}/enabled")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response enable(@PathParam("id") String id, @RestForm boolean enabled) {
        return Flash.run(BACK, enabled ? "User enabled." : "User disabled; refused from their next request.", () -> {
            directory.enable(id, new DirectoryResource.Enabled(enabled));
            return BACK;
        });
    }

    @POST
    @Path("users/{id}/roles")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response role(@PathParam("id") String id, @RestForm String role, @RestForm boolean grant) {
        return Flash.run(BACK, grant ? "Role " + role + " granted." : "Role " + role + " removed.", () -> {
            if (grant) directory.grant(id, role);
            else directory.revoke(id, role);
            return BACK;
        });
    }

    @POST
    @Path("groups")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createGroup(@RestForm String name) {
        return Flash.run(BACK, "Group " + name + " created.", () -> {
            directory.createGroup(new DirectoryResource.NewGroup(name == null ? null : name.strip()));
            return BACK;
        });
    }

    @POST
    @Path("groups/{id}/delete")
    public Response deleteGroup(@PathParam("id") String id) {
        return Flash.run(BACK, "Group deleted.", () -> {
            directory.deleteGroup(id);
            return BACK;
        });
    }

    @POST
    @Path("groups/{id}/members")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response join(@PathParam("id") String id, @RestForm String userId, @RestForm boolean remove) {
        return Flash.run(BACK, remove ? "Member removed." : "Member added.", () -> {
            if (remove) directory.leave(id, userId);
            else directory.join(id, userId);
            return BACK;
        });
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
