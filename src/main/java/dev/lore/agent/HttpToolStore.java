package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Declared HTTP tools (table {@code http_tool}), each of one tenant: every method takes the tenant. */
@ApplicationScoped
public class HttpToolStore {

    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;

    /** The tenant's HTTP tool with this name, if declared. */
    public Optional<HttpTool> find(String tenant, String name) {
        List<HttpTool> found = query("WHERE tenant_id = ? AND name = ?", tenant, name);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    /** The tenant's declared HTTP tools, by name. */
    public List<HttpTool> all(String tenant) {
        return query("WHERE tenant_id = ? ORDER BY name", tenant);
    }

    /** The tenant's declared names. */
    public List<String> names(String tenant) {
        return all(tenant).stream().map(HttpTool::name).toList();
    }

    /** Inserts or replaces a tool of the tenant. */
    public void save(String tenant, HttpTool t) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO http_tool (name, description, method, url_template, parameters, allowed_hosts, auth_header, auth_secret,
                                       auth_prefix, read_only, requires_confirmation, timeout_ms, tenant_id)
                VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, name) DO UPDATE SET description = excluded.description, method = excluded.method,
                    url_template = excluded.url_template, parameters = excluded.parameters, allowed_hosts = excluded.allowed_hosts,
                    auth_header = excluded.auth_header, auth_secret = excluded.auth_secret, auth_prefix = excluded.auth_prefix,
                    read_only = excluded.read_only, requires_confirmation = excluded.requires_confirmation,
                    timeout_ms = excluded.timeout_ms""")) {
            ps.setString(1, t.name());
            ps.setString(2, t.description());
            ps.setString(3, t.method());
            ps.setString(4, t.urlTemplate());
            ps.setString(5, t.parameters().toString());
            ps.setArray(6, c.createArrayOf("text", t.allowedHosts().toArray()));
            ps.setString(7, t.authHeader());
            ps.setString(8, t.authSecret());
            ps.setString(9, t.authPrefix());
            ps.setBoolean(10, t.readOnly());
            ps.setBoolean(11, t.requiresConfirmation());
            ps.setInt(12, t.timeoutMs());
            ps.setString(13, tenant);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot save tool " + t.name() + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a tool of the tenant; returns whether it existed. */
    public boolean delete(String tenant, String name) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM http_tool WHERE tenant_id = ? AND name = ?")) {
            ps.setString(1, tenant);
            ps.setString(2, name);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete tool " + name + ": " + e.getMessage(), e);
        }
    }

    private List<HttpTool> query(String where, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT name, description, method, url_template, parameters::text, allowed_hosts, auth_header, auth_secret, auth_prefix,
                       read_only, requires_confirmation, timeout_ms FROM http_tool""" + " " + where)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<HttpTool> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JsonNode params = json.readTree(rs.getString(5));
                    out.add(new HttpTool(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), params,
                            Arrays.asList((String[]) rs.getArray(6).getArray()), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getBoolean(10), rs.getBoolean(11), rs.getInt(12)));
                }
            }
            return out;
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot read HTTP tools: " + e.getMessage(), e);
        }
    }
}
