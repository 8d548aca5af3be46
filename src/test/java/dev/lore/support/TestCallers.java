package dev.lore.support;

import dev.lore.security.Caller;
import java.util.Set;

/** Identities for tests that call beans directly (not over HTTP). */
public final class TestCallers {

    private TestCallers() {}

    /** An admin of tenant {@code default}: the tenant the bootstrap API key of the test profile works in. */
    public static final Caller ADMIN = new Caller("default", "test-admin", Set.of(), Set.of(Caller.ADMIN, Caller.USER));
}
