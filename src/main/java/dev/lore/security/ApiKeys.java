package dev.lore.security;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
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

/**
 * API keys of client applications (table {@code api_key}). A key is {@code lore_} followed by 40 random base-62
 * characters (about 238 bits); only its SHA-256 is stored, so a leaked database does not leak keys. Revocation takes
 * effect on the next request (keys are looked up on every request, never cached).
 */
@ApplicationScoped
public class ApiKeys {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject AgroalDataSource dataSource;

    /**
     * A key as listed: never the key or its hash.
     *
     * @param id key id
     * @param name the client application
     * @param prefix the key's first 12 characters
     * @param ratePerMinute requests allowed per minute
     * @param createdAt when created
     * @param lastUsedAt last successful use, or null
     * @param revokedAt when revoked, or null
     */
    public record ApiKey(UUID id, String name, String prefix, int ratePerMinute, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {}

    /**
     * A new key: the only time the key itself is returned.
     *
     * @param key the key to give to the client application
     * @param info what is stored about it
     */
    public record Created(String key, ApiKey info) {}

    /** Creates a key for a client application, allowing {@code ratePerMinute} requests per minute. */
    public Created create(String tenantId, String name, int ratePerMinute) {
        StringBuilder key = new StringBuilder("lore_");
        for (int i = 0; i < 40; i++) key.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        UUID id = UUID.randomUUID();
        String prefix = key.substring(0, 12);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO api_key (id, tenant_id, name, key_prefix, key_hash, rate_per_minute) VALUES (?, ?, ?, ?, ?, ?) RETURNING created_at")) {
            ps.setObject(1, id);
            ps.setString(2, tenantId);
            ps.setString(3, name);
            ps.setString(4, prefix);
            ps.setString(5, hash(key.toString()));
            ps.setInt(6, ratePerMinute);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Created(key.toString(), new ApiKey(id, name, prefix, ratePerMinute, rs.getTimestamp(1).toInstant(), null, null));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the API key: " + e.getMessage(), e);
        }
    }

    /** The active (not revoked) key matching {@code key}, marking it used; empty for unknown or revoked keys. */
    public Optional<ApiKey> verify(String key) {
        if (key == null || !key.startsWith("lore_") || key.length() > 100) return Optional.empty();
        List<ApiKey> found = query("UPDATE api_key SET last_used_at = now() WHERE key_hash = ? AND revoked_at IS NULL "
                + "RETURNING id, name, key_prefix, rate_per_minute, created_at, last_used_at, revoked_at", hash(key));
        return found.stream().findFirst();
    }

    /** All keys of a tenant, newest first. */
    public List<ApiKey> list(String tenantId) {
        return query("SELECT id, name, key_prefix, rate_per_minute, created_at, last_used_at, revoked_at FROM api_key "
                + "WHERE tenant_id = ? ORDER BY created_at DESC", tenantId);
    }

    /** Revokes a key; returns whether an active key was revoked. */
    public boolean revoke(String tenantId, UUID id) {
        return !query("UPDATE api_key SET revoked_at = now() WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL "
                + "RETURNING id, name, key_prefix, rate_per_minute, created_at, last_used_at, revoked_at", id, tenantId).isEmpty();
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
                    out.add(new ApiKey(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getInt(4),
                            rs.getTimestamp(5).toInstant(), rs.getTimestamp(6) == null ? null : rs.getTimestamp(6).toInstant(),
                            rs.getTimestamp(7) == null ? null : rs.getTimestamp(7).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("API key store failed: " + e.getMessage(), e);
        }
    }
}
