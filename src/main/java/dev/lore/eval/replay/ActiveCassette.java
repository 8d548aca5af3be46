package dev.lore.eval.replay;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cassette that applies to a model call, and what to do with it ({@link ModelCassettes#current()}). The model
 * clients call {@link #replay} or {@link #record}; both are thread-safe.
 */
public final class ActiveCassette {

    private final Cassette cassette;
    private final CassetteMode mode;
    private final boolean saveEachRecording;
    private final Consumer<NoRecordingException> onMiss;

    ActiveCassette(Cassette cassette, CassetteMode mode, boolean saveEachRecording, Consumer<NoRecordingException> onMiss) {
        if (mode == CassetteMode.OFF) throw new IllegalArgumentException("an active cassette records or replays");
        this.cassette = cassette;
        this.mode = mode;
        this.saveEachRecording = saveEachRecording;
        this.onMiss = onMiss;
    }

    /** The cassette. */
    public Cassette cassette() {
        return cassette;
    }

    /** {@link CassetteMode#RECORD} or {@link CassetteMode#REPLAY}, never OFF. */
    public CassetteMode mode() {
        return mode;
    }

    /** Whether calls are answered from the cassette (no connection may be opened). */
    public boolean replaying() {
        return mode == CassetteMode.REPLAY;
    }

    /**
     * The recording of a request.
     *
     * @param method HTTP method
     * @param path the path below the model server's base URL, e.g. {@code /chat/completions}
     * @param request the request body as it would be sent
     * @return the recorded interaction (its status may be an error, to be raised as the live call would)
     * @throws NoRecordingException when there is none; the miss is also reported to the run
     *     ({@link ModelCassettes#with}), so a caller that swallows it cannot hide it
     */
    public Cassette.Interaction replay(String method, String path, JsonNode request) {
        JsonNode canonical = Cassette.canonical(request);
        return cassette.find(Cassette.key(method, path, canonical)).orElseThrow(() -> {
            NoRecordingException e = cassette.noRecording(method, path, canonical);
            onMiss.accept(e);
            return e;
        });
    }

    /**
     * Records an answered call (the process-wide cassette is saved at once; a run's cassette when the run ends).
     *
     * @param request the request body as sent
     * @param status the HTTP status
     * @param response the body (see {@link Cassette#responseBody}), or null for a stream
     * @param events the streamed {@code data:} payloads in order, or null
     * @return the stored interaction
     */
    public Cassette.Interaction record(String method, String path, JsonNode request, int status, JsonNode response,
                                       List<String> events) {
        Cassette.Interaction i = cassette.put(method, path, request, status, response, events);
        if (saveEachRecording) cassette.save();
        return i;
    }
}
