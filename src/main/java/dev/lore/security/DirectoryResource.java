package dev.lore.security;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Users, groups, memberships and roles of the caller's tenant, managed in Keycloak: {@code /api/v1/admin/users} and
 * {@code /api/v1/admin/groups}. Admins only. Changes take effect on the affected user's next request.
 */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.ADMIN)
@Tag(name = "Users and groups")
public class DirectoryResource {

    @Inject KeycloakDirectory directory;
    @Inject Callers callers;

    /**
     * A new user.
     *
     * @param username login name (letters, digits, '.', '_', '-', '@'; 1..100)
     * @param email e-mail address, optional
     * @param firstName given name, optional
     * @param lastName family name, optional
     * @param password initial password, optional (8..200 characters)
     */
    public record NewUser(@NotBlank @Pattern(regexp = "[A-Za-z0-9._@-]{1,100}") String username, @Email String email,
                          @Size(max = 100) String firstName, @Size(max = 100) String lastName, @Size(min = 8, max = 200) String password) {}

    /**
     * A new group.
     *
     * @param name group name (letters, digits, '.', '_', '-', ' '; 1..100)
     */
    public record NewGroup(@NotBlank @Pattern(regexp = "[A-Za-z0-9._ -]{1,100}") String name) {}

    /** @param enabled false disables the user */
    public record Enabled(@NotNull Boolean enabled) {}

    @GET
    @Path("users")
    @Operation(summary = "Search the tenant's users", description = "Matches username, e-mail, first and last name; paged by first (0 or more) and max (1 or more; at most 1000 are returned).")
    public List<KeycloakDirectory.User> users(@QueryParam("search") String search, @QueryParam("first") @DefaultValue("0") @jakarta.validation.constraints.Min(0) int first,
                                              @QueryParam("max") @DefaultValue("100") @jakarta.validation.constraints.Min(1) int max) {
        return directory.users(tenant(), search, Math.max(0, first), Math.max(1, Math.min(1000, max)));
    }

    @GET
    @Path("users/{id}")
    @Operation(summary = "A user with groups and roles")
    public Map<String, Object> user(@PathParam("id") String id) {
        return directory.user(tenant(), id);
    }

    @POST
    @Path("users")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a user in the tenant", description = "201 with the user. It gets role user by default.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = KeycloakDirectory.User.class)))
    public Response createUser(@Valid @NotNull NewUser body) {
        KeycloakDirectory.User u = directory.createUser(tenant(), body.username(), body.email(), body.firstName(), body.lastName(), body.password());
        return Response.status(201).entity(u).build();
    }

    @PUT
    @Path("users/{id}/enabled")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Enable or disable a user")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "changed")
    public Response enable(@PathParam("id") String id, @Valid @NotNull Enabled body) {
        directory.setEnabled(tenant(), id, body.enabled());
        return Response.noContent().build();
    }

    @PUT
    @Path("users/{id}/roles/{role}")
    @Operation(summary = "Grant a role (admin, curator, user)")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "granted")
    public Response grant(@PathParam("id") String id, @PathParam("role") String role) {
        directory.setRole(tenant(), id, role, true);
        return Response.noContent().build();
    }

    @DELETE
    @Path("users/{id}/roles/{role}")
    @Operation(summary = "Remove a role")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "revoked")
    public Response revoke(@PathParam("id") String id, @PathParam("role") String role) {
        directory.setRole(tenant(), id, role, false);
        return Response.noContent().build();
    }

    @GET
    @Path("groups")
    @Operation(summary = "The tenant's groups")
    public List<KeycloakDirectory.Group> groups() {
        return directory.groups(tenant());
    }

    @POST
    @Path("groups")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a group in the tenant")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = KeycloakDirectory.Group.class)))
    public Response createGroup(@Valid @NotNull NewGroup body) {
        return Response.status(201).entity(directory.createGroup(tenant(), body.name().strip())).build();
    }

    @DELETE
    @Path("groups/{id}")
    @Operation(summary = "Delete a group")
    public Response deleteGroup(@PathParam("id") String id) {
        directory.deleteGroup(tenant(), id);
        return Response.noContent().build();
    }

    @GET
    @Path("groups/{id}/members")
    @Operation(summary = "Members of a group")
    public List<KeycloakDirectory.User> members(@PathParam("id") String id) {
        return directory.members(tenant(), id);
    }

    @PUT
    @Path("groups/{id}/members/{userId}")
    @Operation(summary = "Add a user to a group", description = "Takes effect on the user's next request.")
    public Response join(@PathParam("id") String id, @PathParam("userId") String userId) {
        directory.setMembership(tenant(), userId, id, true);
        return Response.noContent().build();
    }

    @DELETE
    @Path("groups/{id}/members/{userId}")
    @Operation(summary = "Remove a user from a group", description = "Takes effect on the user's next request.")
    public Response leave(@PathParam("id") String id, @PathParam("userId") String userId) {
        directory.setMembership(tenant(), userId, id, false);
        return Response.noContent().build();
    }

    private String tenant() {
        return callers.current().tenant();
    }
}
