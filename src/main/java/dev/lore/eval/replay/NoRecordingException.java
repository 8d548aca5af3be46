package dev.lore.eval.replay;

import java.nio.file.Path;

/**
 * A model call in {@link CassetteMode#REPLAY} whose request the cassette does not hold: the prompt, the model, the
 * tools or a sampling setting changed since the recording. No call was made to the model server. The message starts
 * with {@code no recording for this request} and names the cassette file, the path, the request's key (first 12 hex
 * characters) and its last user message (200 characters at most: the first and last 100 of a longer one), and says how
 * to record again.
 */
public class NoRecordingException extends RuntimeException {

    private final Path cassette;
    private final String key;

    /**
     * @param cassette the cassette file that was searched
     * @param method the HTTP method, e.g. {@code POST}
     * @param path the path below the model server's base URL, e.g. {@code /chat/completions}
     * @param key the request's full key (SHA-256 hex)
     * @param lastUserMessage the request's last user message, or null when it has none
     */
    public NoRecordingException(Path cassette, String method, String path, String key, String lastUserMessage) {
        super("no recording for this request in cassette " + cassette + ": " + method + " " + path + ", key "
                + key.substring(0, Math.min(12, key.length())) + ", last user message "
                + (lastUserMessage == null ? "(none)" : "\"" + truncate(lastUserMessage) + "\"")
                + ". Either it was never recorded, or the prompt, model, tools or settings changed since; record again"
                + " against a live model server: `deploy/eval.sh record` for the repository's gate cassettes, or a run with"
                + " \"cassette\": \"record\" for an API run's.");
        this.cassette = cassette;
        this.key = key;
    }

    /** The cassette file that was searched. */
    public Path cassette() {
        return cassette;
    }

    /** The request's full key (SHA-256 hex of the canonical request). */
    public String key() {
        return key;
    }

    /**
     * The message on one line, at most 200 characters of it: its first and last 100 when longer (a RAG prompt puts
     * the sources first and the question last).
     */
    static String truncate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 100).stripTrailing() + " … "
                + oneLine.substring(oneLine.length() - 100).stripLeading();
    }
}
