package dev.lore.security;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;

/**
 * Checks at start-up that the database lets row-level security use Lore's indexes: with RLS on {@code chunk}, the
 * planner uses the GIN indexes for full-text ({@code tsvector @@ tsquery}) and access-list ({@code text[] && text[]})
 * conditions only when their functions are leakproof, which only a superuser can declare. Without it search stays
 * correct but scans the table: a warning says what to run ({@code deploy/lib/postgres.sh} does it).
 */
@ApplicationScoped
public class RowSecurityCheck {

    private static final Logger LOG = Logger.getLogger(RowSecurityCheck.class);

    @Inject AgroalDataSource dataSource;

    void onStart(@Observes StartupEvent event) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE proleakproof) FROM pg_proc "
                     + "WHERE oid IN ('ts_match_vq(tsvector,tsquery)'::regprocedure, 'arrayoverlap(anyarray,anyarray)'::regprocedure)")) {
            rs.next();
            if (rs.getInt(1) < 2) {
                LOG.warnf("search scans whole tables under row-level security: as a PostgreSQL superuser, run in database %s: "
                        + "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF; ALTER FUNCTION arrayoverlap(anyarray, anyarray) LEAKPROOF;",
                        c.getCatalog());
            }
        } catch (SQLException e) {
            LOG.warnf("cannot check the database's leakproof functions: %s", e.getMessage());
        }
    }
}
