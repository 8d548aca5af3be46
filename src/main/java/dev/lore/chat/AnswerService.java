package dev.lore.chat;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Answers a question from retrieved chunks, with the settings of the agent behind {@code /api/v1/chat}
 * ({@link ChatSettings}: its instructions, model, temperature, sources and limits).
 *
 * <p>Generative mode: the top {@code lore.chat.context-chunks} chunks (default 6) of the allowed sources, as many as
 * fit the agent's token budget, are numbered and sent with the question to the model server, after the agent's
 * instructions and the citation rules; the answer's {@code [n]} markers become the citations (each one a chunk that
 * was retrieved; markers outside 1..n are dropped). Extractive mode, when no model is configured, reachable or fast
 * enough ({@code lore.model.timeout}, or the agent's turn timeout when shorter): the best passages of the top chunks
 * are quoted with their citations and the answer says that no model was used. A model failure is never an error for
 * the caller.
 */
@ApplicationScoped
public class AnswerService {

    private static final Logger LOG = Logger.getLogger(AnswerService.class);
    private static final Pattern MARKER = Pattern.compile("\\[(\\d{1,2}(?:\\s*,\\s*\\d{1,2})*)]");
    /** Added to the agent's instructions: how to use and cite the numbered sources (Lore's citation contract). */
    public static final String CITATION_RULES = """
            Answer the user's question using only the numbered sources in their message. After each statement, cite \
            the sources it comes from as [1], [2], etc. If the sources do not contain the answer, say so plainly \
            instead of guessing.""";
    private static final ExecutorService CALLS = Executors.newVirtualThreadPerTaskExecutor();

    private final HybridRetriever retriever;
    private final ModelServer models;
    private final int contextChunks;

    @Inject
    public AnswerService(HybridRetriever retriever, ModelServer models,
                         @ConfigProperty(name = "lore.chat.context-chunks", defaultValue = "6") int contextChunks) {
        this.retriever = retriever;
        this.models = models;
        this.contextChunks = contextChunks;
    }

    /**
     * Answers in one piece.
     *
     * @param question the user's message
     * @param filters retrieval filters, narrowed to the sources the settings allow
     * @param settings the agent's settings
     * @param caller whose access applies: only chunks the caller may read are retrieved, quoted and cited
     * @return a generative answer, or an extractive one when the model is unavailable
     */
    public Answer answer(String question, SearchFilters filters, ChatSettings settings, Caller caller) {
        List<SearchResult> chunks = retrieve(question, filters, settings, caller);
        if (chunks.isEmpty()) return nothingFound();
        Optional<ChatModel> model = models.chat();
        if (model.isEmpty()) return extractive(question, chunks, unavailableNotice());
        Duration wait = settings.answerTimeout();
        try {
            ChatResponse response = call(model.get(), request(question, chunks, settings), wait);
            return generative(question, chunks, response.aiMessage().text(), settings);
        } catch (TimeoutException e) {
            return extractive(question, chunks, "The model server did not answer within the agent's limit of "
                    + wait.toSeconds() + " s.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return extractive(question, chunks, "The answer was interrupted.");
        } catch (RuntimeException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.warnf("model server failed, answering extractively: %s", cause.getMessage());
            models.reset();
            return extractive(question, chunks, "The model server did not answer (" + shortReason(cause) + ").");
        }
    }

    /** The model's response within {@code wait}; on a thread of its own only when that is shorter than the client's timeout. */
    private ChatResponse call(ChatModel model, ChatRequest request, Duration wait)
            throws TimeoutException, InterruptedException, ExecutionException {
        if (wait.compareTo(models.config().timeout()) >= 0) return model.chat(request);
        Future<ChatResponse> response = CALLS.submit(() -> model.chat(request));
        try {
            return response.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            response.cancel(true);
        }
    }

    /**
     * Answers as a stream: {@code onToken} receives text as it is generated, then {@code onDone} the complete answer
     * with citations, retrieving only what {@code caller} may read. Falls back to extractive (streamed as text too) when the model fails before its first token.
     * Blocks until done.
     *
     * @param question the user's message
     * @param filters retrieval filters, narrowed to the sources the settings allow
     * @param settings the agent's settings
     */
    public void stream(String question, SearchFilters filters, ChatSettings settings, Caller caller, Consumer<String> onToken,
                       Consumer<Answer> onDone) {
        stream(question, retrieve(question, filters, settings, caller), settings, onToken, onDone);
    }

    /**
     * Like {@link #stream(String, SearchFilters, ChatSettings, Caller, Consumer, Consumer)} over chunks already
     * retrieved with {@link #retrieve} (the chat page keeps them as the turn's retrieval trace).
     */
    public void stream(String question, List<SearchResult> chunks, ChatSettings settings, Consumer<String> onToken, Consumer<Answer> onDone) {
        if (chunks.isEmpty()) {
            Answer a = nothingFound();
            onToken.accept(a.answer());
            onDone.accept(a);
            return;
        }
        Optional<StreamingChatModel> model = models.streaming();
        if (model.isEmpty()) {
            emitExtractive(question, chunks, unavailableNotice(), onToken, onDone);
            return;
        }
        StringBuilder text = new StringBuilder();
        AtomicBoolean started = new AtomicBoolean();
        AtomicLong lastToken = new AtomicLong(System.nanoTime());
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(1);
        model.get().chat(request(question, chunks, settings), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String token) {
                synchronized (text) {
                    if (finished.getCount() == 0) return;
                    started.set(true);
                    lastToken.set(System.nanoTime());
                    text.append(token);
                    onToken.accept(token);
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                finished.countDown();
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
                finished.countDown();
            }
        });
        long timeout = models.config().timeout().toNanos();
        long deadline = System.nanoTime() + settings.answerTimeout().toNanos();
        boolean done = false;
        try {
            while (!done) {
                long left = Math.min(lastToken.get() + timeout, deadline) - System.nanoTime();
                if (left <= 0) break;
                done = finished.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean anyToken;
        synchronized (text) {
            finished.countDown();
            anyToken = started.get();
        }
        if (!done) {
            if (!anyToken) {
                long seconds = Math.min(models.config().timeout().toSeconds(), settings.answerTimeout().toSeconds());
                emitExtractive(question, chunks, "The model server did not answer within " + seconds + " s.", onToken, onDone);
                return;
            }
        } else if (error.get() != null && !anyToken) {
            LOG.warnf("model server failed, answering extractively: %s", error.get().getMessage());
            models.reset();
            emitExtractive(question, chunks, "The model server did not answer (" + shortReason(error.get()) + ").", onToken, onDone);
            return;
        }
        String full;
        synchronized (text) {
            full = text.toString();
        }
        onDone.accept(generative(question, chunks, full, settings));
    }

    /**
     * The chunks to number: the request's filters narrowed to the allowed sources (none left: nothing to search), the
     * best {@code contextChunks}, then as many as fit the token budget (the best always).
     */
    /**
     * The chunks an answer to {@code question} would use: the top {@code lore.chat.context-chunks} that {@code caller}
     * may read, within the sources the settings allow and their token budget.
     */
    public List<SearchResult> retrieve(String question, SearchFilters filters, ChatSettings settings, Caller caller) {
        SearchFilters f = filters;
        if (settings.sourceIds() != null) {
            List<UUID> asked = filters.sourceIds();
            List<UUID> allowed = asked == null || asked.isEmpty() ? settings.sourceIds()
                    : asked.stream().filter(settings.sourceIds()::contains).toList();
            if (allowed.isEmpty()) return List.of();
            f = new SearchFilters(allowed, filters.pathPrefix(), filters.contentTypes(), filters.languages());
        }
        List<SearchResult> found = retriever.search(question, contextChunks, f, caller);
        List<SearchResult> kept = new ArrayList<>();
        int tokens = 0;
        for (SearchResult r : found) {
            tokens += (r.text().length() + r.title().length() + 3) / 4;
            if (!kept.isEmpty() && tokens > settings.sourceTokens()) break;
            kept.add(r);
        }
        return kept;
    }

    private void emitExtractive(String question, List<SearchResult> chunks, String notice, Consumer<String> onToken, Consumer<Answer> onDone) {
        Answer a = extractive(question, chunks, notice);
        for (String line : a.answer().split("(?<=\n)")) onToken.accept(line);
        onDone.accept(a);
    }

    private ChatRequest request(String question, List<SearchResult> chunks, ChatSettings settings) {
        StringBuilder sources = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
            SearchResult r = chunks.get(i);
            sources.append('[').append(i + 1).append("] ").append(r.title());
            if (r.headingPath() != null && !r.headingPath().isBlank()) sources.append(" — ").append(r.headingPath());
            sources.append('\n').append(r.text()).append("\n\n");
        }
        ChatRequest.Builder request = ChatRequest.builder()
                .messages(SystemMessage.from(settings.instructions().strip() + "\n\n" + CITATION_RULES),
                        UserMessage.from("Sources:\n\n" + sources + "Question: " + question));
        if (settings.model() != null) request.modelName(settings.model());
        if (settings.temperature() != null) request.temperature(settings.temperature());
        return request.build();
    }

    Answer generative(String question, List<SearchResult> chunks, String text, ChatSettings settings) {
        Set<Integer> cited = new LinkedHashSet<>();
        Matcher m = MARKER.matcher(text);
        while (m.find()) {
            for (String n : m.group(1).split(",")) {
                int i = Integer.parseInt(n.strip());
                if (i >= 1 && i <= chunks.size()) cited.add(i);
            }
        }
        List<Citation> citations = new ArrayList<>();
        for (int i : cited) citations.add(citation(i, chunks.get(i - 1), question));
        String model = settings.model() != null ? settings.model() : models.modelName().orElse(null);
        return new Answer(text, Answer.GENERATIVE, citations, model, null);
    }

    Answer extractive(String question, List<SearchResult> chunks, String notice) {
        List<Citation> citations = new ArrayList<>();
        Set<UUID> docs = new LinkedHashSet<>();
        for (SearchResult r : chunks) {
            if (citations.size() == 3) break;
            if (!docs.add(r.documentId()) && chunks.size() > 3) continue;
            citations.add(citation(citations.size() + 1, r, question));
        }
        StringBuilder text = new StringBuilder();
        text.append("No language model was used for this answer. ").append(notice)
            .append(" These are the most relevant passages from your documents:\n\n");
        for (Citation c : citations) {
            text.append(c.index()).append(". \"").append(c.quote()).append("\" [").append(c.index()).append("] — ")
                .append(c.title());
            String where = sectionBelowTitle(c.title(), c.headingPath());
            if (!where.isEmpty()) text.append(" > ").append(where); // the separator of heading paths
            text.append("\n");
        }
        return new Answer(text.toString().strip(), Answer.EXTRACTIVE, citations, null, notice);
    }

    /**
     * The heading path without the leading headings that repeat the title ("14.1. Using EXPLAIN > 14.1.3. Caveats"
     * under the title "14.1. Using EXPLAIN" gives "14.1.3. Caveats"); empty when nothing is left.
     */
    static String sectionBelowTitle(String title, String headingPath) {
        if (headingPath == null || headingPath.isBlank()) return "";
        java.util.List<String> parts = new java.util.ArrayList<>(java.util.Arrays.asList(headingPath.split(" > ")));
        while (!parts.isEmpty() && title != null && parts.getFirst().strip().equals(title.strip())) parts.removeFirst();
        return String.join(" > ", parts).strip();
    }

    private static Answer nothingFound() {
        return new Answer("I found nothing in the indexed documents that matches this question.", Answer.EXTRACTIVE, List.of(), null,
                "No documents matched.");
    }

    private static Citation citation(int index, SearchResult r, String question) {
        return new Citation(index, r.chunkId(), r.documentId(), r.title(), r.uri(), r.headingPath(), Quotes.best(r.text(), question));
    }

    private String unavailableNotice() {
        if (!models.config().enabled()) return "The model server is disabled (lore.model.enabled=false).";
        return "The model server at " + models.config().baseUrl() + " is not reachable.";
    }

    /** A short, user-readable reason for a model failure: the HTTP status, "connection refused", "timed out"… */
    public static String shortReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.langchain4j.exception.HttpException h) return "HTTP status " + h.statusCode();
            if (t instanceof java.net.ConnectException) return "connection refused";
            if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof java.net.SocketTimeoutException) return "timed out";
            if (t instanceof java.nio.channels.ClosedChannelException || t instanceof java.io.EOFException) return "connection closed";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return msg.length() > 120 ? msg.substring(0, 120) + "…" : msg;
    }
}
