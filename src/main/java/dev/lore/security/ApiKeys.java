package dev.lore.security;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * API keys of client applications (table {@code api_key}). A key is {@code lore_} followed by 40 random base-62
 * characters (about 238 bits); only its SHA-256 is stored, so a leaked database does not leak keys. Revocation takes
 * effect on the next request (keys are looked up on every request, never cached).
 *
 * <p>Each key is a service identity ({@code apikey:<name>}) of one tenant with its own roles and groups: it reads the
 * documents whose access lists name it, its groups, or everyone in the tenant.
 *
 * <p>{@code lore.security.bootstrap-api-key} (env {@code LORE_SECURITY_BOOTSTRAP_API_KEY}), when set, is one more key
 * with role {@code admin} in tenant {@code lore.security.default-tenant}: for first set-up and automation before
 * Keycloak users exist. It is compared by hash, never logged.
 */
@ApplicationScoped
public class ApiKeys {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final UUID BOOTSTRAP_ID = new UUID(0, 0);
    private static final String COLUMNS = "id, tenant_id, name, key_prefix, rate_per_minute, roles, groups, created_at, last_used_at, revoked_at";

    @Inject AgroalDataSource dataSource;

    @ConfigProperty(name = "lore.security.bootstrap-api-key")
    Optional<String> bootstrapKey;

    @ConfigProperty(name = "lore.security.default-tenant", defaultValue = "default")
    String defaultTenant;

    /**
     * A key as listed: never the key or its hash.
     *
     * @param id key id
     * @param tenantId the tenant it belongs to
     * @param name the client application; its identity is {@code apikey:<name>}
     * @param prefix the key's first 12 characters
     * @param ratePerMinute requests allowed per minute
     * @param roles roles of the service identity ({@code user}, {@code curator}, {@code admin})
     * @param groups groups of the service identity, for document access lists
     * @param createdAt when created
     * @param lastUsedAt last successful use, or null
     * @param revokedAt when revoked, or null
     */
    public record ApiKey(UUID id, String tenantId, String name, String prefix, int ratePerMinute, List<String> roles,
                         List<String> groups, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {

        /** The identity this key acts as. */
        public Caller caller() {
            return new Caller(tenantId, "apikey:" + name, java.util.Set.copyOf(groups), java.util.Set.copyOf(roles));
        }
    }

    /**
     * A new key: the only time the key itself is returned.
     *
     * @param key the key to give to the client application
     * @param info what is stored about it
     */
    public record Created(String key, ApiKey info) {}

    /**
     * Creates a key for a client application.
     *
     * @param tenantId the tenant of the service identity
     * @param name the client application, unique in the tenant (revoked keys included): it is the key's identity; 409 otherwise
     * @param ratePerMinute requests allowed per minute
     * @param roles roles of the key's identity; must not be empty
     * @param groups groups of the key's identity
     */
    public Created create(String tenantId, String name, int ratePerMinute, List<String> roles, List<String> groups) {
        if (name.equals("bootstrap")) {
            throw dev.lore.platform.ApiException.conflict("the name 'bootstrap' is the bootstrap key's (lore.security.bootstrap-key)");
        }
        StringBuilder key = new StringBuilder("lore_");
        for (int i = 0; i < 40; i++) key.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        UUID id = UUID.randomUUID();
        String prefix = key.substring(0, 12);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO api_key (id, tenant_id, name, key_prefix, key_hash, rate_per_minute, roles, groups) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING created_at")) {
            ps.setObject(1, id);
            ps.setString(2, tenantId);
            ps.setString(3, name);
            ps.setString(4, prefix);
            ps.setString(5, hash(key.toString()));
            ps.setInt(6, ratePerMinute);
            ps.setArray(7, c.createArrayOf("text", roles.toArray()));
            ps.setArray(8, c.createArrayOf("text", groups.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Created(key.toString(), new ApiKey(id, tenantId, name, prefix, ratePerMinute, List.copyOf(roles),
                        List.copyOf(groups), rs.getTimestamp(1).toInstant(), null, null));
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("api_key_tenant_name_idx")) {
                throw dev.lore.platform.ApiException.conflict("an API key named '" + name + "' exists or existed in this tenant: a key's"
                        + " name is its identity (the conversations it starts and its end users belong to it), so a new key needs a new name");
            }
            throw new IllegalStateException("cannot create the API key: " + e.getMessage(), e);
        }
    }

    /** The active (not revoked) key matching {@code key}, marking it used; empty for unknown or revoked keys. */
    public Optional<ApiKey> verify(String key) {
        if (key == null || !key.startsWith("lore_") || key.length() > 100) return Optional.empty();
        String hash = hash(key);
        if (bootstrapKey.isPresent() && !bootstrapKey.get().isBlank()
                && MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII), hash(bootstrapKey.get().strip()).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(new ApiKey(BOOTSTRAP_ID, defaultTenant, "bootstrap", key.substring(0, 12), 100_000,
                    List.of(Caller.ADMIN, Caller.CURATOR, Caller.USER), List.of(), Instant.EPOCH, null, null));
        }
        List<ApiKey> found = query("UPDATE api_key SET last_used_at = now() WHERE key_hash = ? AND revoked_at IS NULL RETURNING " + COLUMNS, hash);
        return found.stream().findFirst();
    }

    /** All keys of a tenant, newest first. */
    public List<ApiKey> list(String tenantId) {
        return query("SELECT " + COLUMNS + " FROM api_key WHERE tenant_id = ? ORDER BY created_at DESC", tenantId);
    }

    /** Revokes a key of the tenant; returns whether an active key was revoked. */
    public boolean revoke(String tenantId, UUID id) {
        return !query("UPDATE api_key SET revoked_at = now() WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL RETURNING " + COLUMNS,
                id, tenantId).isEmpty();
    }

    /** SHA-256 hex of a key. */
    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<ApiKey> query(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<ApiKey> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ApiKey(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            strings(rs.getArray(6)), strings(rs.getArray(7)), rs.getTimestamp(8).toInstant(),
                            rs.getTimestamp(9) == null ? null : rs.getTimestamp(9).toInstant(),
                            rs.getTimestamp(10) == null ? null : rs.getTimestamp(10).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("API key store failed: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : List.of((String[]) a.getArray());
    }
}
