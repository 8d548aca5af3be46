package dev.lore.security;

import io.agroal.api.AgroalPoolInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes the current tenant ({@link Tenants#current()}) into the {@code lore.tenant} setting of every connection
 * taken from the pool, and clears it when the connection goes back. PostgreSQL's row-level security policies on
 * {@code document} and {@code chunk} compare each row's {@code tenant_id} with it, so a query that forgot its tenant
 * filter still cannot read another tenant's rows.
 */
@ApplicationScoped
public class TenantConnectionInterceptor implements AgroalPoolInterceptor {

    @Override
    public void onConnectionAcquire(Connection connection) {
        set(connection, Tenants.current());
    }

    @Override
    public void onConnectionReturn(Connection connection) {
        try {
            set(connection, "");
        } catch (IllegalStateException e) {
            // best effort: the next acquire writes the setting again before any statement runs
        }
    }

    private static void set(Connection connection, String tenant) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT set_config('lore.tenant', ?, false)")) {
            ps.setString(1, tenant);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the connection's tenant: " + e.getMessage(), e);
        }
    }
}
