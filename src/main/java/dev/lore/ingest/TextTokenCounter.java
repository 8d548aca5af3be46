package dev.lore.ingest;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.TokenCountEstimator;

/**
 * A token counter that changes how plain text is counted and leaves chat messages to the counter it wraps (the
 * chunker only ever counts text; langchain4j's interface asks for all three).
 */
abstract class TextTokenCounter implements TokenCountEstimator {

    /** The wrapped counter (the embedding model's tokenizer, or another wrapper of it). */
    protected final TokenCountEstimator tokenizer;

    TextTokenCounter(TokenCountEstimator tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public int estimateTokenCountInMessage(ChatMessage message) {
        return tokenizer.estimateTokenCountInMessage(message);
    }

    @Override
    public int estimateTokenCountInMessages(Iterable<ChatMessage> messages) {
        return tokenizer.estimateTokenCountInMessages(messages);
    }
}
