package dev.lore.agent;

import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Secrets for tools, by tenant and name: configuration {@code lore.secrets.<tenant>.<name>} or the environment
 * variable {@code LORE_SECRET_<TENANT>_<NAME>} (upper case, non-alphanumerics as '_'). A tenant's tools can only use
 * that tenant's secrets. Secrets live only in the process environment: never in the database, API responses or logs.
 */
final class Secrets {

    private Secrets() {}

    static Optional<String> get(String tenant, String name) {
        String env = System.getenv("LORE_SECRET_" + (tenant + "_" + name).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
        if (env != null && !env.isEmpty()) return Optional.of(env);
        return ConfigProvider.getConfig().getOptionalValue("lore.secrets." + tenant + "." + name, String.class);
    }
}
