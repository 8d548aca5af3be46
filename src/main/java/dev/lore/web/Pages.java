package dev.lore.web;

import dev.lore.security.Caller;
import dev.lore.security.Callers;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** What every page shows about the signed-in person, and the CSRF token its forms carry. */
@ApplicationScoped
public class Pages {

    @Inject Callers callers;
    @Inject CsrfTokens csrf;

    /**
     * The signed-in person as the page header shows them.
     *
     * @param username user name
     * @param tenant tenant
     * @param admin true for admins
     * @param staff true for admins and curators (they see the console)
     * @param csrf the session's CSRF token
     */
    @TemplateData
    public record Me(String username, String tenant, boolean admin, boolean staff, String csrf) {}

    /** The current person. */
    public Me me() {
        Caller c = callers.current();
        return new Me(c.username(), c.tenant(), c.isAdmin(), c.isAdmin() || c.roles().contains(Caller.CURATOR), csrf.current());
    }

    /** {@code template} with {@code me} set. */
    public TemplateInstance page(TemplateInstance template) {
        return template.data("me", me());
    }
}
