package dev.lore.eval.replay;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Decides, per model call, which {@link Cassette} applies and whether it records or replays. The model clients
 * ({@link CassetteHttpClient}, the agent's streamed turns) ask {@link #current()} at the moment of each call, so a
 * cassette set for one run never applies to another.
 *
 * <p>Two sources, the first that applies wins:
 * <ol>
 *   <li>a run: {@link #with(Cassette, CassetteMode, Callable)} sets a cassette for the calling thread and every thread
 *       it starts while the work runs (an {@link InheritableThreadLocal}: the virtual threads Lore starts for model calls
 *       with a time limit and for tool calls inherit it). It stops applying when the work returns, also in threads that
 *       inherited it and live on (pool threads created meanwhile);</li>
 *   <li>the process: {@code lore.eval.cassette.mode} ({@code off}, {@code record}, {@code replay}; default off) with
 *       {@code lore.eval.cassette.file}, loaded once. Recording saves the file after every call.</li>
 * </ol>
 */
@ApplicationScoped
public class ModelCassettes {

    private static final Logger LOG = Logger.getLogger(ModelCassettes.class);

    private final InheritableThreadLocal<Run> runs = new InheritableThreadLocal<>();
    private final ActiveCassette processWide;

    /**
     * From configuration.
     *
     * @param mode {@code lore.eval.cassette.mode}: off, record or replay
     * @param file {@code lore.eval.cassette.file}: the cassette of the whole process, needed unless the mode is off
     * @throws IllegalArgumentException for an unknown mode, or record/replay without a file
     */
    @Inject
    public ModelCassettes(@ConfigProperty(name = "lore.eval.cassette.mode", defaultValue = "off") String mode,
                          @ConfigProperty(name = "lore.eval.cassette.file") Optional<String> file) {
        this(CassetteMode.parse(mode), file.filter(f -> !f.isBlank()).map(Path::of));
    }

    /**
     * With a process-wide mode given directly (tests, tools).
     *
     * @param mode the process-wide mode
     * @param file its cassette, loaded now (a missing file is an empty cassette); needed unless the mode is OFF
     * @throws IllegalArgumentException for record/replay without a file
     */
    public ModelCassettes(CassetteMode mode, Optional<Path> file) {
        if (mode == CassetteMode.OFF) {
            processWide = null;
            return;
        }
        if (file.isEmpty()) {
            throw new IllegalArgumentException("lore.eval.cassette.mode=" + mode.name().toLowerCase()
                    + " needs lore.eval.cassette.file (the cassette to " + mode.name().toLowerCase() + ")");
        }
        Cassette cassette = Cassette.load(file.get());
        processWide = new ActiveCassette(cassette, mode, mode == CassetteMode.RECORD,
                e -> LOG.error(e.getMessage()));
        LOG.infof("model calls %s cassette %s (%d interactions)",
                mode == CassetteMode.RECORD ? "are recorded to" : "are replayed from", cassette.file(), cassette.size());
    }

    /** Cassettes only where a run sets one ({@link #with}). */
    public static ModelCassettes off() {
        return new ModelCassettes(CassetteMode.OFF, Optional.empty());
    }

    /**
     * The cassette for a model call made now on this thread: the innermost open run's, else the process-wide one.
     *
     * @return empty when calls go to the model server unrecorded (mode off)
     */
    public Optional<ActiveCassette> current() {
        Run run = runs.get();
        if (run != null && !run.closed) return Optional.ofNullable(run.active);
        return Optional.ofNullable(processWide);
    }

    /**
     * Runs {@code work} with a cassette applying to every model call it makes, on this thread and on threads started
     * meanwhile. Runs nest: an inner run applies until it returns, then the outer one again.
     *
     * <p>{@link CassetteMode#RECORD}: the cassette is {@link Cassette#save() saved} when the work ends, also when it
     * fails. {@link CassetteMode#REPLAY}: when any call found no recording, the first {@link NoRecordingException}
     * is thrown after the work (the others attached as suppressed), even when the application caught it and carried on
     * (an answer that fell back to extractive mode, say); when the work itself failed, the misses are attached to its
     * exception. {@link CassetteMode#OFF}: calls go to the model server unrecorded, whatever the process-wide setting.
     *
     * @param cassette the cassette (ignored when the mode is OFF)
     * @param mode what to do with it
     * @param work the run
     * @return what the work returned
     * @throws NoRecordingException in REPLAY when a call had no recording
     * @throws IllegalArgumentException when the mode is RECORD or REPLAY and the cassette null
     * @throws Exception what the work threw
     */
    public <T> T with(Cassette cassette, CassetteMode mode, Callable<T> work) throws Exception {
        if (mode != CassetteMode.OFF && cassette == null) throw new IllegalArgumentException(mode + " needs a cassette");
        Run run = new Run(mode == CassetteMode.OFF ? null : cassette, mode);
        Run previous = runs.get();
        runs.set(run);
        T result;
        try {
            result = work.call();
        } catch (Exception | Error e) {
            for (NoRecordingException miss : run.misses()) if (miss != e) e.addSuppressed(miss);
            throw e;
        } finally {
            run.closed = true;
            if (previous == null) runs.remove();
            else runs.set(previous);
            if (mode == CassetteMode.RECORD) cassette.save();
        }
        List<NoRecordingException> misses = run.misses();
        if (!misses.isEmpty()) {
            NoRecordingException first = misses.get(0);
            for (NoRecordingException other : misses.subList(1, misses.size())) first.addSuppressed(other);
            throw first;
        }
        return result;
    }

    /** One {@link #with} call. */
    private static final class Run {
        final ActiveCassette active;
        final List<NoRecordingException> misses = Collections.synchronizedList(new ArrayList<>());
        volatile boolean closed;

        Run(Cassette cassette, CassetteMode mode) {
            this.active = cassette == null ? null : new ActiveCassette(cassette, mode, false, misses::add);
        }

        List<NoRecordingException> misses() {
            synchronized (misses) {
                return List.copyOf(misses);
            }
        }
    }
}
