package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.lore.security.Tenants;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
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
 */
@ApplicationScoped
public class AgentLoop {

    private static final Logger LOG = Logger.getLogger(AgentLoop.class);

    @Inject ModelServer models;
    @Inject ToolRegistry tools;
    @Inject ConversationMemory memory;
    @Inject AuditLog audit;
    @Inject ObjectMapper json;
    @Inject PendingActions pending;

    private final ToolCallRepair repair = new ToolCallRepair();
    private final Map<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, ToolSchemaValidator> validators = new ConcurrentHashMap<>();
    private final ExecutorService toolExecutor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * One tool call as the turn reports it.
     *
     * @param id call id
     * @param name tool name
     * @param arguments arguments as the model sent them (after repair), JSON text
     * @param ok whether the tool ran and returned a result
     * @param result the result or error text the model read (truncated to 2,000 characters)
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

    /**
     * Runs one turn of a conversation. Blocks while another turn of the same conversation runs.
     *
     * @param conversation the conversation (its id keys the memory)
     * @param agent the agent answering
     * @param userText the end user's message
     */
    public TurnResult turn(Conversation conversation, Agent agent, String userText) {
        ReentrantLock lock = locks.computeIfAbsent(conversation.id, k -> new ReentrantLock(true));
        lock.lock();
        try {
            return run(conversation, agent, userText);
        } finally {
            lock.unlock();
        }
    }

    private TurnResult run(Conversation conversation, Agent agent, String userText) {
        UUID turnId = UUID.randomUUID();
        if (pending.take(conversation.id) != null) {
            LOG.debugf("conversation %s: a new message drops the pending action", conversation.id);
        }
        memory.append(conversation.id, List.of(message(turnId, "user", userText, null, null, null)));
        return loop(conversation, agent, turnId, 0, new ArrayList<>());
    }

    /**
     * Resolves the pending action of a conversation (a side-effecting call that needed confirmation): runs the held
     * calls when {@code confirmed}, else answers them with "rejected by the user", then continues the turn.
     *
     * @throws IllegalStateException when nothing is pending
     */
    public TurnResult resolvePending(Conversation conversation, Agent agent, boolean confirmed) {
        ReentrantLock lock = locks.computeIfAbsent(conversation.id, k -> new ReentrantLock(true));
        lock.lock();
        try {
            PendingActions.Pending p = pending.take(conversation.id);
            if (p == null) throw new IllegalStateException("conversation " + conversation.id + " has no pending action");
            AgentTool.ToolContext context = new AgentTool.ToolContext(conversation.tenantId, conversation.id, conversation.endUserId, agent, conversation.caller);
            List<ToolExecutionRequest> calls = p.calls();
            List<ToolCallReport> results = confirmed
                    ? execute(conversation.id, p.turnId(), context, agent, calls, true)
                    : calls.stream().map(c -> new ToolCallReport(c.id(), c.name(), c.arguments(), false,
                            "error: the user rejected this action; do not retry it unless they ask again")).toList();
            storeStep(conversation.id, p.turnId(), p.assistantText(), calls, results);
            return loop(conversation, agent, p.turnId(), p.modelCalls(), new ArrayList<>(results));
        } finally {
            lock.unlock();
        }
    }

    private TurnResult loop(Conversation conversation, Agent agent, UUID turnId, int modelCallsSoFar, List<ToolCallReport> reports) {
        UUID conv = conversation.id;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(agent.turnTimeoutMs);
        List<ToolSpecification> specs = toolSpecifications(agent);
        AgentTool.ToolContext context = new AgentTool.ToolContext(conversation.tenantId, conv, conversation.endUserId, agent, conversation.caller);
        int modelCalls = modelCallsSoFar;
        while (true) {
            if (modelCalls >= agent.maxModelCalls) {
                return finish(conv, turnId, "I could not finish this request within my limit of " + agent.maxModelCalls
                        + " model calls. Please rephrase or split your question.", "max_model_calls", modelCalls, reports);
            }
            if (System.nanoTime() > deadline) {
                return finish(conv, turnId, "I ran out of time for this request (limit " + agent.turnTimeoutMs / 1000
                        + " s). Please try again.", "turn_timeout", modelCalls, reports);
            }
            Optional<ChatModel> model = models.chat();
            if (model.isEmpty()) {
                return finish(conv, turnId, "The language model is not reachable right now, so I cannot answer. Your message "
                        + "is saved; please try again in a moment.", "model_unavailable", modelCalls, reports);
            }
            ConversationMemory.Window window = memory.window(conv, turnId, agent.memoryTokens);
            ChatRequest.Builder request = ChatRequest.builder().messages(toChatMessages(agent, window));
            if (!specs.isEmpty()) request.toolSpecifications(specs);
            if (agent.model != null) request.modelName(agent.model);
            if (agent.temperature != null) request.temperature(agent.temperature);
            long t0 = System.nanoTime();
            ChatResponse response;
            try {
                response = model.get().chat(request.build());
            } catch (RuntimeException e) {
                audit.record(conv, new AuditLog.Event(turnId, "model_call", models.modelName().orElse(null), null, null,
                        millisSince(t0), null, null, AnswerService.shortReason(e), Instant.now()));
                models.reset();
                return finish(conv, turnId, "The language model stopped answering (" + AnswerService.shortReason(e)
                        + "), so I cannot finish this request. Your message is saved; please try again.", "model_unavailable",
                        modelCalls, reports);
            }
            modelCalls++;
            AiMessage ai = response.aiMessage();
            TokenUsage usage = response.tokenUsage();
            audit.record(conv, new AuditLog.Event(turnId, "model_call", response.modelName(), null,
                    ai.text() == null ? 0 : ai.text().length(), millisSince(t0),
                    usage == null ? null : usage.inputTokenCount(), usage == null ? null : usage.outputTokenCount(), null, Instant.now()));

            List<ToolExecutionRequest> calls = withIds(ai.toolExecutionRequests(), turnId, modelCalls);
            String assistantText = ai.text();
            if (calls.isEmpty() && assistantText != null && !assistantText.isBlank()) {
                // local models sometimes write the call as text (<tool_call>{…}</tool_call>, [TOOL_CALLS], bare JSON)
                RepairedToolCalls fromText = repair.fromContent(assistantText, new java.util.HashSet<>(allowedNames(agent)));
                if (fromText.hasToolCalls()) {
                    List<ToolExecutionRequest> found = new ArrayList<>();
                    for (ToolCall c : fromText.calls()) {
                        found.add(ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(c.arguments().toString()).build());
                    }
                    for (ToolCallError e : fromText.errors()) {
                        found.add(ToolExecutionRequest.builder().id(e.id()).name(e.name() == null ? "unknown" : e.name())
                                .arguments(e.raw() == null ? "" : e.raw()).build());
                    }
                    calls = withIds(found, turnId, modelCalls);
                    assistantText = fromText.content().isBlank() ? null : fromText.content();
                    LOG.debugf("tool calls read from the model's text: %s", fromText.repairs());
                }
            }
            if (calls.isEmpty()) {
                String text = assistantText == null || assistantText.isBlank() ? "(no answer)" : assistantText;
                return finish(conv, turnId, text, "answered", modelCalls, reports);
            }
            if (reports.size() + calls.size() > agent.maxToolCalls) {
                return finish(conv, turnId, "I could not finish this request within my limit of " + agent.maxToolCalls
                        + " tool calls. Please narrow your question.", "max_tool_calls", modelCalls, reports);
            }
            List<String> needConfirmation = calls.stream()
                    .filter(c -> allowed(agent, c.name()).map(AgentTool::requiresConfirmation).orElse(false))
                    .map(c -> c.name() + " " + c.arguments()).toList();
            if (!needConfirmation.isEmpty()) {
                pending.put(conv, new PendingActions.Pending(turnId, assistantText, calls, modelCalls));
                return finish(conv, turnId, "I need your confirmation before I do this: " + String.join("; ", needConfirmation)
                        + ". Confirm or reject it.", "confirmation_required", modelCalls, reports);
            }
            List<ToolCallReport> results = execute(conv, turnId, context, agent, calls, false);
            reports.addAll(results);
            storeStep(conv, turnId, assistantText, calls, results);
        }
    }

    /** Stores an assistant message with its tool calls together with all their results (never one without the other). */
    private void storeStep(UUID conv, UUID turnId, String assistantText, List<ToolExecutionRequest> calls, List<ToolCallReport> results) {
        List<ConversationMemory.Message> step = new ArrayList<>();
        ArrayNode callJson = json.createArrayNode();
        for (ToolExecutionRequest c : calls) {
            callJson.addObject().put("id", c.id()).put("name", c.name()).put("arguments", c.arguments());
        }
        step.add(message(turnId, "assistant", assistantText, callJson, null, null));
        for (ToolCallReport r : results) step.add(message(turnId, "tool", r.result(), null, r.id(), r.name()));
        memory.append(conv, step);
    }

    private List<ToolCallReport> execute(UUID conv, UUID turnId, AgentTool.ToolContext context, Agent agent,
                                         List<ToolExecutionRequest> calls, boolean confirmed) {
        ToolSchemaValidator validator = validator(agent);
        List<Future<ToolCallReport>> futures = new ArrayList<>();
        for (ToolExecutionRequest call : calls) {
            futures.add(toolExecutor.submit(() -> executeOne(conv, turnId, context, agent, call, validator)));
        }
        List<ToolCallReport> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            ToolExecutionRequest call = calls.get(i);
            try {
                out.add(futures.get(i).get(agent.toolTimeoutMs, TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                futures.get(i).cancel(true);
                String msg = "error: tool " + call.name() + " did not finish within " + agent.toolTimeoutMs + " ms";
                audit.record(conv, new AuditLog.Event(turnId, "tool_call", call.name(), call.arguments(), 0, agent.toolTimeoutMs,
                        null, null, msg, Instant.now()));
                out.add(new ToolCallReport(call.id(), call.name(), call.arguments(), false, msg));
            } catch (Exception e) {
                out.add(new ToolCallReport(call.id(), call.name(), call.arguments(), false, "error: " + e.getMessage()));
            }
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

    private ToolCallReport executeOne(UUID conv, UUID turnId, AgentTool.ToolContext context, Agent agent, ToolExecutionRequest call,
                                      ToolSchemaValidator validator) {
        long t0 = System.nanoTime();
        String result;
        String error = null;
        boolean ok = false;
        String name = call.name();
        ToolCallRepair.Arguments args = repair.parseArguments(call.arguments());
        if (args.error() != null && validator.toolNames().contains(name)) {
            error = args.error();
            result = "error: " + args.error() + " Call " + name + " again with its arguments as one JSON object.";
        } else {
            ValidatedToolCall checked = validator.validate(new ToolCall(call.id(), name,
                    args.value() == null ? json.createObjectNode() : args.value()));
            if (!checked.valid()) {
                error = checked.errorMessage();
                result = validator.toolNames().contains(checked.call().name())
                        ? "error: invalid arguments for " + checked.call().name() + ": " + error + ". Call it again with corrected arguments."
                        : "error: " + error;
            } else {
                name = checked.call().name();
                AgentTool tool = allowed(agent, name).orElseThrow();
                try {
                    result = executeAsTenant(tool, context, checked.call().arguments());
                    ok = true;
                } catch (AgentTool.ToolException e) {
                    error = e.getMessage();
                    result = "error: " + e.getMessage();
                } catch (RuntimeException e) {
                    LOG.warnf(e, "tool %s failed", name);
                    error = e.toString();
                    result = "error: the tool failed (" + e.getClass().getSimpleName() + ")";
                }
            }
        }
        audit.record(conv, new AuditLog.Event(turnId, "tool_call", name, call.arguments(), result.length(), millisSince(t0),
                null, null, error, Instant.now()));
        return new ToolCallReport(call.id(), name, call.arguments(), ok, result.length() > 20_000 ? result.substring(0, 20_000) : result);
    }

    /** The validator for the agent's current tools; compiled schemas are reused while the definitions stay the same. */
    private ToolSchemaValidator validator(Agent agent) {
        List<ToolDefinition> defs = new ArrayList<>();
        StringBuilder key = new StringBuilder();
        for (String n : allowedNames(agent)) {
            AgentTool t = tools.find(agent.tenantId, n).orElseThrow();
            defs.add(new ToolDefinition(t.name(), t.description(), t.parameters()));
            key.append(t.name()).append('\u0000').append(t.parameters()).append('\u0000');
        }
        if (validators.size() > 256) validators.clear();
        return validators.computeIfAbsent(key.toString(), k -> new ToolSchemaValidator(defs));
    }

    private Optional<AgentTool> allowed(Agent agent, String name) {
        return allowedNames(agent).contains(name) ? tools.find(agent.tenantId, name) : Optional.empty();
    }

    private List<String> allowedNames(Agent agent) {
        List<String> out = new ArrayList<>();
        for (String t : agent.tools) if (tools.find(agent.tenantId, t).isPresent()) out.add(t);
        return out;
    }

    private List<ToolSpecification> toolSpecifications(Agent agent) {
        List<ToolSpecification> out = new ArrayList<>();
        for (String name : allowedNames(agent)) {
            AgentTool t = tools.find(agent.tenantId, name).orElseThrow();
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
        memory.append(conv, List.of(message(turnId, "assistant", text, null, null, null)));
        return new TurnResult(turnId, text, stopReason, modelCalls, reports);
    }

    private static ConversationMemory.Message message(UUID turnId, String role, String content, JsonNode calls, String callId, String toolName) {
        int tokens = ConversationMemory.estimateTokens(content) + (calls == null ? 0 : ConversationMemory.estimateTokens(calls.toString()));
        return new ConversationMemory.Message(0, turnId, role, content, calls, callId, toolName, tokens, null);
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
