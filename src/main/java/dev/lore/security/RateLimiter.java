package dev.lore.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per API key: capacity = the key's requests per minute, refilled continuously at that rate. In memory,
 * per Lore process.
 */
@ApplicationScoped
public class RateLimiter {

    private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long lastNanos;
        int perMinute;
    }

    /**
     * Takes one request from the key's bucket.
     *
     * @return 0 when allowed, else the whole seconds to wait before the next request is allowed (for Retry-After)
     */
    public long acquire(UUID key, int perMinute) {
        Bucket b = buckets.computeIfAbsent(key, k -> {
            Bucket n = new Bucket();
            n.tokens = perMinute;
            n.lastNanos = System.nanoTime();
            n.perMinute = perMinute;
            return n;
        });
        synchronized (b) {
            long now = System.nanoTime();
            double perNano = perMinute / 60e9;
            b.tokens = Math.min(perMinute, b.tokens + (now - b.lastNanos) * perNano);
            b.lastNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano / 1e9));
        }
    }
}
