package dev.lore.agent;

import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Secrets for tools, by name: configuration {@code lore.secrets.<name>} or the environment variable
 * {@code LORE_SECRET_<NAME>} (upper case, non-alphanumerics as '_'). Secrets live only in the process environment:
 * never in the database, API responses or logs.
 */
final class Secrets {

    private Secrets() {}

    static Optional<String> get(String name) {
        String env = System.getenv("LORE_SECRET_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
        if (env != null && !env.isEmpty()) return Optional.of(env);
        return ConfigProvider.getConfig().getOptionalValue("lore.secrets." + name, String.class);
    }
}
