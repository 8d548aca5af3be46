package dev.lore.security;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * The tenant the current thread works for, which {@link TenantConnectionInterceptor} writes into every pooled
 * connection's {@code lore.tenant} setting (PostgreSQL row-level security reads it).
 *
 * <p>Inside an HTTP request it is the caller's tenant. Work outside a request (sync runs, agent tools on virtual
 * threads) names its tenant with {@link #call(String, Callable)}. Nothing set: the empty tenant, which sees no
 * document or chunk.
 */
public final class Tenants {

    /** Background jobs that must see every tenant (re-embedding the whole index). */
    public static final String ALL = "*";

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");
    private static final ThreadLocal<String> OVERRIDE = new ThreadLocal<>();

    private Tenants() {}

    /** True for a well-formed tenant name: lower-case letters, digits, '_', '.', '-', 1..63 characters. */
    public static boolean isValid(String tenant) {
        return tenant != null && VALID.matcher(tenant).matches();
    }

    /** Runs {@code work} on this thread as tenant {@code tenant} ({@link #ALL} for cross-tenant jobs). */
    public static <T> T call(String tenant, Callable<T> work) throws Exception {
        String before = OVERRIDE.get();
        OVERRIDE.set(tenant);
        try {
            return work.call();
        } finally {
            if (before == null) OVERRIDE.remove();
            else OVERRIDE.set(before);
        }
    }

    /** Like {@link #call(String, Callable)} for work without a result or checked exceptions. */
    public static void run(String tenant, Runnable work) {
        String before = OVERRIDE.get();
        OVERRIDE.set(tenant);
        try {
            work.run();
        } finally {
            if (before == null) OVERRIDE.remove();
            else OVERRIDE.set(before);
        }
    }

    /** The tenant of this thread: an explicit one, else the authenticated caller's, else {@code ""} (sees nothing). */
    public static String current() {
        String t = OVERRIDE.get();
        if (t != null) return t;
        ArcContainer arc = Arc.container();
        if (arc == null || !arc.requestContext().isActive()) return "";
        try {
            SecurityIdentity identity = arc.instance(SecurityIdentity.class).get();
            Caller caller = identity == null ? null : identity.getAttribute(Callers.ATTRIBUTE);
            return caller == null ? "" : caller.tenant();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
