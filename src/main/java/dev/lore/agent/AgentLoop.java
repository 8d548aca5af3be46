package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.lore.security.Tenants;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.lore.chat.AnswerService;
import dev.lore.chat.ModelServer;
import dev.lore.agent.tool.RepairedToolCalls;
import dev.lore.agent.tool.ToolCall;
import dev.lore.agent.tool.ToolCallError;
import dev.lore.agent.tool.ToolCallRepair;
import dev.lore.agent.tool.ToolDefinition;
import dev.lore.agent.tool.ToolSchemaValidator;
import dev.lore.agent.tool.ValidatedToolCall;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The agent loop: the model reads the conversation window, calls tools, reads their results and decides the next
 * step, until it answers or a limit stops it.
 *
 * <p>Guarantees: turns of one conversation run one at a time (a fair per-conversation lock, in arrival order); the
 * user's message is stored before the first model call; an assistant message that calls tools is stored together
 * with all its results, so memory never holds a call without its result; tool errors, unknown tools and invalid
 * arguments become tool results the model reads; tool calls of one step run in parallel, each within the agent's
 * tool timeout; reaching max model calls, max tool calls or the turn timeout, or losing the model server, ends the
 * turn with a clear message that is stored like any reply. Every model and tool call goes to the {@link AuditLog}.
 *
 * <p>One loop for both APIs: a {@link TurnListener} sees the turn as it runs. The JSON API passes
 * {@link TurnListener#NONE} (one JSON answer per model call, through langchain4j); the streaming API passes a
 * listener that wants tokens, and each model call is then streamed by {@link ModelStream}. Everything else (memory,
 * repair, validation, tools, limits, confirmation, audit) is the same code.
 */
@ApplicationScoped
public class AgentLoop {

    private static final Logger LOG = Logger.getLogger(AgentLoop.class);

    @Inject ModelServer models;
    @Inject ModelStream stream;
    @Inject ToolRegistry tools;
    @Inject ConversationMemory memory;
    @Inject AuditLog audit;
    @Inject ObjectMapper json;
    @Inject PendingActions pending;

    private final ToolCallRepair repair = new ToolCallRepair();
    private final ConversationLocks locks = new ConversationLocks();
    private final Map<String, ToolSchemaValidator> validators = new ConcurrentHashMap<>();
    private final ExecutorService toolExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private static final ConversationMemory.InTransaction NOTHING_MORE = c -> {};

    /**
     * One tool call as the turn reports it.
     *
     * @param id call id
     * @param name tool name
     * @param arguments arguments after repair (and validation, when they validated), JSON text
     * @param ok whether the tool ran and returned a result
     * @param result the result or error text the model read (truncated to 20,000 characters)
     */
    public record ToolCallReport(String id, String name, String arguments, boolean ok, String result) {}

    /**
     * The outcome of a turn.
     *
     * @param turnId the turn
     * @param reply the final assistant text
     * @param stopReason {@code answered}, {@code confirmation_required}, {@code max_model_calls}, {@code max_tool_calls},
     *     {@code turn_timeout} or {@code model_unavailable}
     * @param modelCalls model calls made
     * @param toolCalls the tool calls made, in order
     */
    public record TurnResult(UUID turnId, String reply, String stopReason, int modelCalls, List<ToolCallReport> toolCalls) {}

    /** What one model call produced: text and tool calls (text-form calls already read), model name, token usage. */
    private record ModelReply(String text, List<ToolExecutionRequest> calls, String model, Integer tokensIn, Integer tokensOut) {}

    /**
     * A tool call after repair and validation: {@code tool} is set when it may run, else {@code errorResult} is what
     * the model reads back.
     */
    private record Prepared(ToolExecutionRequest call, JsonNode arguments, AgentTool tool, String error, String errorResult) {}

    /**
     * Runs one turn of a conversation, without streaming. Blocks while another turn of the same conversation runs.
     *
     * @param conversation the conversation (its id keys the memory)
     * @param agent the agent answering
     * @param userText the end user's message
     */
    public TurnResult turn(Conversation conversation, Agent agent, String userText) {
        return turn(conversation, agent, userText, TurnListener.NONE);
    }

    /**
     * Runs one turn of a conversation, reporting its progress to {@code listener} (which also decides whether the
     * model streams). Blocks while another turn of the same conversation runs, and until the turn ends.
     *
     * @param conversation the conversation (its id keys the memory)
     * @param agent the agent answering
     * @param userText the end user's message
     * @param listener the sink of tokens, tool calls and results
     */
    public TurnResult turn(Conversation conversation, Agent agent, String userText, TurnListener listener) {
        return locks.run(conversation.id, () -> run(conversation, agent, userText, listener));
    }

    private TurnResult run(Conversation conversation, Agent agent, String userText, TurnListener listener) {
        UUID turnId = UUID.randomUUID();
        memory.append(conversation.id, List.of(message(turnId, "user", userText, null, null, null)), true, c -> {
            if (pending.clear(c, conversation.id)) {
                LOG.debugf("conversation %s: a new message drops the pending action", conversation.id);
            }
        });
        return loop(conversation, agent, turnId, 0, new ArrayList<>(), listener);
    }

    /**
     * Resolves the pending action of a conversation (a side-effecting call that needed confirmation): runs the held
     * calls when {@code confirmed}, else answers them with "rejected by the user", then continues the turn.
     *
     * @throws IllegalStateException when nothing is pending
     */
    public TurnResult resolvePending(Conversation conversation, Agent agent, boolean confirmed) {
        return locks.run(conversation.id, () -> {
            PendingActions.Pending p = pending.take(conversation.id);
            if (p == null) throw new IllegalStateException("conversation " + conversation.id + " has no pending action");
            AgentTool.ToolContext context = new AgentTool.ToolContext(conversation.tenantId, conversation.id, conversation.endUserId, agent, conversation.caller);
            List<ToolExecutionRequest> calls = p.calls();
            List<AuditLog.Event> events = new ArrayList<>();
            List<Prepared> prepared = confirmed ? prepare(allowedTools(agent), calls) : List.of();
            List<ToolCallReport> results = confirmed
                    ? execute(conversation.id, p.turnId(), context, agent, prepared, p.modelCalls(), TurnListener.NONE, events)
                    : calls.stream().map(c -> new ToolCallReport(c.id(), c.name(), c.arguments(), false,
                            "error: the user rejected this action; do not retry it unless they ask again")).toList();
            storeStep(conversation.id, p.turnId(), p.assistantText(), calls, results, events, true);
            return loop(conversation, agent, p.turnId(), p.modelCalls(), new ArrayList<>(results), TurnListener.NONE);
        });
    }

    private TurnResult loop(Conversation conversation, Agent agent, UUID turnId, int modelCallsSoFar, List<ToolCallReport> reports,
                            TurnListener listener) {
        UUID conv = conversation.id;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(agent.turnTimeoutMs);
        // the agent's tools are resolved once per turn (HTTP tools are rows in the database)
        List<AgentTool> agentTools = allowedTools(agent);
        List<ToolSpecification> specs = listener.streaming() ? List.of() : toolSpecifications(agentTools);
        AgentTool.ToolContext context = new AgentTool.ToolContext(conversation.tenantId, conv, conversation.endUserId, agent, conversation.caller);
        // read once per turn; each step's window is chosen from it plus what the turn stored since
        List<ConversationMemory.Message> history = new ArrayList<>(memory.all(conv));
        int modelCalls = modelCallsSoFar;
        while (true) {
            if (modelCalls >= agent.maxModelCalls) {
                return finish(conv, turnId, "I could not finish this request within my limit of " + agent.maxModelCalls
                        + " model calls. Please rephrase or split your question.", "max_model_calls", modelCalls, reports);
            }
            if (System.nanoTime() > deadline) {
                return turnTimeout(conv, turnId, agent, modelCalls, reports, List.of());
            }
            Optional<String> modelName = models.modelName();
            if (modelName.isEmpty()) {
                return finish(conv, turnId, "The language model is not reachable right now, so I cannot answer. Your message "
                        + "is saved; please try again in a moment.", "model_unavailable", modelCalls, reports);
            }
            ConversationMemory.Window window = ConversationMemory.window(history, turnId, agent.memoryTokens);
            List<ChatMessage> messages = toChatMessages(agent, window);
            List<AuditLog.Event> events = new ArrayList<>();
            int step = modelCalls + 1;
            long t0 = System.nanoTime();
            ModelReply reply;
            try {
                reply = listener.streaming()
                        ? streamed(agent, modelName.get(), messages, agentTools, deadline, text -> listener.token(step, text))
                        : blocking(agent, messages, specs, agentTools);
            } catch (RuntimeException e) {
                events.add(new AuditLog.Event(turnId, "model_call", modelName.get(), null, null,
                        millisSince(t0), null, null, AnswerService.shortReason(e), Instant.now()));
                if (System.nanoTime() > deadline) return turnTimeout(conv, turnId, agent, modelCalls, reports, events);
                models.reset();
                return finish(conv, turnId, "The language model stopped answering (" + AnswerService.shortReason(e)
                        + "), so I cannot finish this request. Your message is saved; please try again.", "model_unavailable",
                        modelCalls, reports, events, NOTHING_MORE);
            }
            long modelNanos = System.nanoTime() - t0;
            modelCalls++;
            listener.modelCall(step, modelNanos);
            events.add(new AuditLog.Event(turnId, "model_call", reply.model(), null,
                    reply.text() == null ? 0 : reply.text().length(), TimeUnit.NANOSECONDS.toMillis(modelNanos),
                    reply.tokensIn(), reply.tokensOut(), null, Instant.now()));

            List<ToolExecutionRequest> calls = withIds(reply.calls(), turnId, modelCalls);
            String assistantText = reply.text();
            if (calls.isEmpty()) {
                String text = assistantText == null || assistantText.isBlank() ? "(no answer)" : assistantText;
                return finish(conv, turnId, text, "answered", modelCalls, reports, events, NOTHING_MORE);
            }
            if (reports.size() + calls.size() > agent.maxToolCalls) {
                return finish(conv, turnId, "I could not finish this request within my limit of " + agent.maxToolCalls
                        + " tool calls. Please narrow your question.", "max_tool_calls", modelCalls, reports, events, NOTHING_MORE);
            }
            List<Prepared> prepared = prepare(agentTools, calls);
            List<ToolExecutionRequest> repaired = prepared.stream().map(Prepared::call).toList();
            List<String> needConfirmation = prepared.stream().filter(p -> p.tool() != null && p.tool().requiresConfirmation())
                    .map(p -> p.call().name() + " " + p.call().arguments()).toList();
            if (!needConfirmation.isEmpty()) {
                PendingActions.Pending held = new PendingActions.Pending(turnId, assistantText, repaired, modelCalls);
                return finish(conv, turnId, "I need your confirmation before I do this: " + String.join("; ", needConfirmation)
                        + ". Confirm or reject it.", "confirmation_required", modelCalls, reports, events, c -> pending.put(c, conv, held));
            }
            List<ToolCallReport> results = execute(conv, turnId, context, agent, prepared, step, listener, events);
            reports.addAll(results);
            // a step of read-only tools commits without waiting for the disk: the turn's reply commits durably (and so
            // makes it durable); a step that changed something outside Lore is recorded durably at once
            boolean durable = prepared.stream().anyMatch(p -> p.tool() != null && !p.tool().readOnly());
            history.addAll(storeStep(conv, turnId, assistantText, repaired, results, events, durable));
        }
    }

    /** One model call through langchain4j's OpenAI client (one JSON answer); calls written as text are read here. */
    private ModelReply blocking(Agent agent, List<ChatMessage> messages, List<ToolSpecification> specs, List<AgentTool> agentTools) {
        ChatRequest.Builder request = ChatRequest.builder().messages(messages);
        if (!specs.isEmpty()) request.toolSpecifications(specs);
        if (agent.model != null) request.modelName(agent.model);
        if (agent.temperature != null) request.temperature(agent.temperature);
        ChatResponse response = models.chat().orElseThrow(() -> new IllegalStateException("no model server")).chat(request.build());
        AiMessage ai = response.aiMessage();
        TokenUsage usage = response.tokenUsage();
        List<ToolExecutionRequest> calls = ai.toolExecutionRequests() == null ? List.of() : ai.toolExecutionRequests();
        String text = ai.text();
        if (calls.isEmpty() && text != null && !text.isBlank()) {
            // local models sometimes write the call as text (<tool_call>{…}</tool_call>, [TOOL_CALLS], bare JSON)
            RepairedToolCalls fromText = repair.fromContent(text, toolNames(agentTools));
            if (fromText.hasToolCalls()) {
                LOG.debugf("tool calls read from the model's text: %s", fromText.repairs());
                calls = requests(fromText);
                text = fromText.content().isBlank() ? null : fromText.content();
            }
        }
        return new ModelReply(text, calls, response.modelName(), usage == null ? null : usage.inputTokenCount(),
                usage == null ? null : usage.outputTokenCount());
    }

    /** One model call streamed by {@link ModelStream}; text goes to {@code onText} as it arrives. */
    private ModelReply streamed(Agent agent, String modelName, List<ChatMessage> messages, List<AgentTool> agentTools, long deadline,
                                Consumer<String> onText) {
        ModelStream.Completion c = stream.complete(agent.model != null ? agent.model : modelName, agent.temperature, messages,
                agentTools, onText, deadline);
        RepairedToolCalls out = c.output();
        if (!out.repairs().isEmpty()) LOG.debugf("streamed tool calls repaired: %s", out.repairs());
        if (!out.hasToolCalls()) return new ModelReply(out.content(), List.of(), c.model(), c.tokensIn(), c.tokensOut());
        return new ModelReply(out.content().isBlank() ? null : out.content(), requests(out), c.model(), c.tokensIn(), c.tokensOut());
    }

    /** The calls (and unreadable calls, which then fail validation and go back to the model) as requests. */
    private List<ToolExecutionRequest> requests(RepairedToolCalls read) {
        List<ToolExecutionRequest> found = new ArrayList<>();
        for (ToolCall c : read.calls()) {
            found.add(ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(text(c.arguments())).build());
        }
        for (ToolCallError e : read.errors()) {
            found.add(ToolExecutionRequest.builder().id(e.id()).name(e.name() == null ? "unknown" : e.name())
                    .arguments(e.raw() == null ? "" : e.raw()).build());
        }
        return found;
    }

    private TurnResult turnTimeout(UUID conv, UUID turnId, Agent agent, int modelCalls, List<ToolCallReport> reports,
                                   List<AuditLog.Event> events) {
        return finish(conv, turnId, "I ran out of time for this request (limit " + agent.turnTimeoutMs / 1000
                + " s). Please try again.", "turn_timeout", modelCalls, reports, events, NOTHING_MORE);
    }

    /**
     * Stores an assistant message with its tool calls together with all their results (never one without the other)
     * and the step's audit events, in one transaction; returns the stored messages.
     */
    private List<ConversationMemory.Message> storeStep(UUID conv, UUID turnId, String assistantText, List<ToolExecutionRequest> calls,
                                                       List<ToolCallReport> results, List<AuditLog.Event> events, boolean durable) {
        List<ConversationMemory.Message> step = new ArrayList<>();
        ArrayNode callJson = json.createArrayNode();
        for (ToolExecutionRequest c : calls) {
            callJson.addObject().put("id", c.id()).put("name", c.name()).put("arguments", c.arguments());
        }
        step.add(message(turnId, "assistant", assistantText, callJson, null, null));
        for (ToolCallReport r : results) step.add(message(turnId, "tool", r.result(), null, r.id(), r.name()));
        memory.append(conv, step, durable, c -> audit.insert(c, conv, events));
        return step;
    }

    /**
     * Repairs and validates the calls of one step: unreadable arguments, unknown tools and arguments that break the
     * schema get their error result; the others get their repaired (and possibly coerced) arguments.
     */
    private List<Prepared> prepare(List<AgentTool> agentTools, List<ToolExecutionRequest> calls) {
        ToolSchemaValidator validator = validator(agentTools);
        List<Prepared> out = new ArrayList<>();
        for (ToolExecutionRequest call : calls) {
            String name = call.name();
            ToolCallRepair.Arguments args = repair.parseArguments(call.arguments());
            if (args.error() != null && validator.toolNames().contains(name)) {
                out.add(new Prepared(call, TextNode.valueOf(call.arguments()), null, args.error(),
                        "error: " + args.error() + " Call " + name + " again with its arguments as one JSON object."));
                continue;
            }
            ValidatedToolCall checked = validator.validate(new ToolCall(call.id(), name,
                    args.value() == null ? json.createObjectNode() : args.value()));
            if (!checked.valid()) {
                String error = checked.errorMessage();
                String result = validator.toolNames().contains(checked.call().name())
                        ? "error: invalid arguments for " + checked.call().name() + ": " + error + ". Call it again with corrected arguments."
                        : "error: " + error;
                out.add(new Prepared(call, args.value() == null ? TextNode.valueOf(call.arguments()) : args.value(), null, error, result));
                continue;
            }
            name = checked.call().name();
            String toolName = name;
            AgentTool tool = agentTools.stream().filter(t -> t.name().equals(toolName)).findFirst().orElseThrow();
            ToolExecutionRequest clean = ToolExecutionRequest.builder().id(call.id()).name(name)
                    .arguments(text(checked.call().arguments())).build();
            out.add(new Prepared(clean, checked.call().arguments(), tool, null, null));
        }
        return out;
    }

    /** A tool call that ran (or failed), with its audit event. */
    private record Ran(ToolCallReport report, AuditLog.Event event) {}

    /** Runs the calls of one step in parallel; their audit events are added to {@code events}, in call order. */
    private List<ToolCallReport> execute(UUID conv, UUID turnId, AgentTool.ToolContext context, Agent agent,
                                         List<Prepared> calls, int step, TurnListener listener, List<AuditLog.Event> events) {
        for (Prepared p : calls) listener.toolCall(step, p.call().id(), p.call().name(), p.arguments());
        List<Future<Ran>> futures = new ArrayList<>();
        for (Prepared p : calls) futures.add(toolExecutor.submit(() -> executeOne(turnId, context, p)));
        List<ToolCallReport> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            ToolExecutionRequest call = calls.get(i).call();
            try {
                Ran ran = futures.get(i).get(agent.toolTimeoutMs, TimeUnit.MILLISECONDS);
                out.add(ran.report());
                events.add(ran.event());
            } catch (TimeoutException e) {
                futures.get(i).cancel(true);
                String msg = "error: tool " + call.name() + " did not finish within " + agent.toolTimeoutMs + " ms";
                events.add(new AuditLog.Event(turnId, "tool_call", call.name(), call.arguments(), 0, agent.toolTimeoutMs,
                        null, null, msg, Instant.now()));
                out.add(new ToolCallReport(call.id(), call.name(), call.arguments(), false, msg));
            } catch (Exception e) {
                out.add(new ToolCallReport(call.id(), call.name(), call.arguments(), false, "error: " + e.getMessage()));
            }
        }
        for (ToolCallReport r : out) {
            listener.toolResult(step, r.id(), r.name(), r.ok(), r.result().length(), r.ok() ? null : r.result());
        }
        return out;
    }

    /** Tools run on virtual threads, outside the request: they work as the conversation's tenant (row-level security). */
    private static String executeAsTenant(AgentTool tool, AgentTool.ToolContext context, com.fasterxml.jackson.databind.JsonNode arguments)
            throws AgentTool.ToolException {
        try {
            return Tenants.call(context.tenantId(), () -> tool.execute(context, arguments));
        } catch (AgentTool.ToolException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Ran executeOne(UUID turnId, AgentTool.ToolContext context, Prepared p) {
        long t0 = System.nanoTime();
        ToolExecutionRequest call = p.call();
        String result = p.errorResult();
        String error = p.error();
        boolean ok = false;
        if (p.tool() != null) {
            try {
                result = executeAsTenant(p.tool(), context, p.arguments());
                ok = true;
            } catch (AgentTool.ToolException e) {
                error = e.getMessage();
                result = "error: " + e.getMessage();
            } catch (RuntimeException e) {
                LOG.warnf(e, "tool %s failed", call.name());
                error = e.toString();
                result = "error: the tool failed (" + e.getClass().getSimpleName() + ")";
            }
        }
        AuditLog.Event event = new AuditLog.Event(turnId, "tool_call", call.name(), call.arguments(), result.length(), millisSince(t0),
                null, null, error, Instant.now());
        return new Ran(new ToolCallReport(call.id(), call.name(), call.arguments(), ok,
                result.length() > 20_000 ? result.substring(0, 20_000) : result), event);
    }

    /** The validator for the agent's current tools; compiled schemas are reused while the definitions stay the same. */
    private ToolSchemaValidator validator(List<AgentTool> agentTools) {
        List<ToolDefinition> defs = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (AgentTool t : agentTools) {
            defs.add(new ToolDefinition(t.name(), t.description(), t.parameters()));
            key.append(t.name()).append('\u0000').append(t.parameters()).append('\u0000');
        }
        if (validators.size() > 256) validators.clear();
        return validators.computeIfAbsent(key.toString(), k -> new ToolSchemaValidator(defs));
    }

    /** The agent's tools that exist (a deleted HTTP tool is left out), in the agent's order. */
    private List<AgentTool> allowedTools(Agent agent) {
        List<AgentTool> out = new ArrayList<>();
        for (String t : agent.tools) tools.find(agent.tenantId, t).ifPresent(out::add);
        return out;
    }

    private static Set<String> toolNames(List<AgentTool> agentTools) {
        Set<String> names = new HashSet<>();
        for (AgentTool t : agentTools) names.add(t.name());
        return names;
    }

    private static List<ToolSpecification> toolSpecifications(List<AgentTool> agentTools) {
        List<ToolSpecification> out = new ArrayList<>();
        for (AgentTool t : agentTools) {
            out.add(ToolSpecification.builder().name(t.name()).description(t.description())
                    .parameters(JsonSchemas.object(t.parameters())).build());
        }
        return out;
    }

    private List<ChatMessage> toChatMessages(Agent agent, ConversationMemory.Window window) {
        List<ChatMessage> out = new ArrayList<>();
        String system = agent.systemPrompt;
        if (window.droppedTurns() > 0) {
            system += "\n\n(" + window.droppedTurns() + " earlier turns of this conversation are not shown.)";
        }
        out.add(SystemMessage.from(system));
        for (ConversationMemory.Message m : window.messages()) {
            switch (m.role()) {
                case "user" -> out.add(UserMessage.from(m.content()));
                case "assistant" -> {
                    if (m.toolCalls() == null) {
                        out.add(AiMessage.from(m.content()));
                    } else {
                        List<ToolExecutionRequest> reqs = new ArrayList<>();
                        m.toolCalls().forEach(c -> reqs.add(ToolExecutionRequest.builder().id(c.path("id").asText())
                                .name(c.path("name").asText()).arguments(c.path("arguments").asText()).build()));
                        out.add(m.content() == null || m.content().isBlank() ? AiMessage.from(reqs) : AiMessage.from(m.content(), reqs));
                    }
                }
                case "tool" -> out.add(ToolExecutionResultMessage.from(m.toolCallId(), m.toolName(), m.content()));
                default -> throw new IllegalStateException("unknown role " + m.role());
            }
        }
        return out;
    }

    private static List<ToolExecutionRequest> withIds(List<ToolExecutionRequest> calls, UUID turnId, int step) {
        if (calls == null) return List.of();
        List<ToolExecutionRequest> out = new ArrayList<>();
        int n = 0;
        for (ToolExecutionRequest c : calls) {
            n++;
            String id = c.id() == null || c.id().isBlank() ? "call_" + turnId.toString().substring(0, 8) + "_" + step + "_" + n : c.id();
            out.add(ToolExecutionRequest.builder().id(id).name(c.name()).arguments(c.arguments()).build());
        }
        return out;
    }

    private TurnResult finish(UUID conv, UUID turnId, String text, String stopReason, int modelCalls, List<ToolCallReport> reports) {
        return finish(conv, turnId, text, stopReason, modelCalls, reports, List.of(), NOTHING_MORE);
    }

    /** Stores the turn's reply with the last step's audit events and {@code more}, in one durable transaction. */
    private TurnResult finish(UUID conv, UUID turnId, String text, String stopReason, int modelCalls, List<ToolCallReport> reports,
                              List<AuditLog.Event> events, ConversationMemory.InTransaction more) {
        memory.append(conv, List.of(message(turnId, "assistant", text, null, null, null)), true, c -> {
            audit.insert(c, conv, events);
            more.run(c);
        });
        return new TurnResult(turnId, text, stopReason, modelCalls, reports);
    }

    private ConversationMemory.Message message(UUID turnId, String role, String content, JsonNode calls, String callId, String toolName) {
        int tokens = ConversationMemory.estimateTokens(content) + (calls == null ? 0 : ConversationMemory.estimateTokens(text(calls)));
        return new ConversationMemory.Message(0, turnId, role, content, calls, callId, toolName, tokens, null);
    }

    /**
     * JSON text written with the application's mapper, whose buffers are pooled: {@code JsonNode.toString()} would keep
     * a set of buffers on the turn's virtual thread for as long as the turn streams.
     */
    private String text(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
