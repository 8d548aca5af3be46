package dev.lore.eval.replay;

import java.util.Locale;

/** What happens to a model call while a {@link Cassette} applies (see {@link ModelCassettes}). */
public enum CassetteMode {

    /** Calls go to the model server; nothing is recorded. */
    OFF,

    /** Calls go to the model server; each request and its response are stored in the cassette. */
    RECORD,

    /** No call leaves the process: the response comes from the cassette, or {@link NoRecordingException} is thrown. */
    REPLAY;

    /**
     * Reads a configuration value.
     *
     * @param value {@code off}, {@code record} or {@code replay}, in any case; blank means {@link #OFF}
     * @throws IllegalArgumentException for any other value
     */
    public static CassetteMode parse(String value) {
        if (value == null || value.isBlank()) return OFF;
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lore.eval.cassette.mode must be off, record or replay, not '" + value + "'");
        }
    }
}
