package dev.lore.agent;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One fair lock per conversation, held while a turn runs, so turns of a conversation run one at a time in arrival
 * order. A lock exists only while a turn holds or waits for it (counted under the map's per-key lock), so memory
 * does not grow with the number of conversations ever served. In-process only: one Lore process per database.
 */
final class ConversationLocks {

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users;
    }

    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();

    /** Runs {@code work} under the conversation's lock, waiting for earlier turns of it. */
    <T> T run(UUID conversationId, Supplier<T> work) {
        Entry e = entries.compute(conversationId, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        try {
            e.lock.lock();
            try {
                return work.get();
            } finally {
                e.lock.unlock();
            }
        } finally {
            entries.compute(conversationId, (k, v) -> --v.users == 0 ? null : v);
        }
    }
}
