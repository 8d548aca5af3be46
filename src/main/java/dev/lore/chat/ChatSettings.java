package dev.lore.chat;

import dev.lore.agent.Agent;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * What an answer of {@code /api/v1/chat} is written with: the settings of the agent behind it, the default agent
 * {@value Agent#DEFAULT_NAME}, read for every request so that editing it through {@code /api/v1/agents} takes effect at
 * once.
 *
 * @param instructions the agent's system prompt; {@link AnswerService} adds the rules for citing numbered sources
 * @param model the model name to send, or null for the server's default ({@code lore.model.name} or discovered)
 * @param temperature sampling temperature, or null for {@code lore.model.temperature}
 * @param sourceIds the sources an answer may come from; null = every source
 * @param answerTimeout the longest an answer may take (the agent's turn timeout); when it is shorter than
 *     {@code lore.model.timeout} it is the wait before answering extractively, and it caps a streamed answer
 * @param sourceTokens budget of the numbered sources sent to the model (the agent's memory budget, tokens estimated as
 *     characters / 4); the best source is always sent
 */
public record ChatSettings(String instructions, String model, Double temperature, List<UUID> sourceIds, Duration answerTimeout,
                           int sourceTokens) {

    /** The settings of an agent. */
    public static ChatSettings of(Agent agent) {
        return new ChatSettings(agent.systemPrompt, agent.model, agent.temperature,
                agent.sourceIds == null ? null : List.of(agent.sourceIds), Duration.ofMillis(agent.turnTimeoutMs), agent.memoryTokens);
    }
}
